// Chat beside the document, over docsync's SockJS event-bus bridge on the page's own origin: subscribe to
// docsync.chat.<docId> first, then ask HISTORY, and drop ids already shown. Messages typed while the
// bridge is down wait and go out (with a clientId, so a retry is stored once) when it is back.
import EventBus from "@vertx/eventbus-bridge-client.js";

export function startChat({ docId, token, me, log, onError, onOpenChange }) {
  const eb = new EventBus(`${location.origin}/eventbus`, { vertxbus_reconnect_delay_min: 500, vertxbus_reconnect_delay_max: 2000 });
  eb.defaultHeaders = { authorization: `Bearer ${token}` };
  eb.enableReconnect(true);
  const shown = new Set();
  const outbox = [];
  let open = false;

  const show = (m) => {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    const li = document.createElement("li");
    li.dataset.id = String(m.id);
    const who = document.createElement("b");
    who.textContent = m.author;
    const when = document.createElement("time");
    when.dateTime = new Date(m.time).toISOString();
    when.textContent = new Date(m.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    li.append(who, " ", document.createTextNode(m.text), " ", when);
    // Oldest first, by id: history and live messages may arrive in any order.
    const after = [...log.children].find((x) => Number(x.dataset.id) > m.id);
    log.insertBefore(li, after ?? null);
    log.scrollTop = log.scrollHeight;
  };

  const failed = (err) => {
    if (err) onError(err);
    return err;
  };

  eb.onopen = () => {
    open = true;
    onOpenChange(true);
    eb.registerHandler(`docsync.chat.${docId}`, (err, msg) => (err ? failed(err) : show(msg.body)));
    eb.send("docsync.chat", { type: "HISTORY", docId }, (err, reply) => {
      if (err) return failed(err);
      reply.body.messages.forEach(show);
      flush();
    });
  };
  eb.onclose = () => {
    open = false;
    onOpenChange(false);
  };
  // Plain err frames: refusals of registrations say why; the bridge's own "rejected" lines that follow do not.
  eb.onerror = (json) => {
    const text = String(json?.body ?? json?.message ?? "");
    const code = text.startsWith("UNAUTHENTICATED") ? 13 : text.startsWith("FORBIDDEN") ? 14 : 0;
    if (code) failed({ failureCode: code, message: text });
  };

  function flush() {
    while (open && outbox.length) {
      const message = outbox[0];
      try {
        eb.send("docsync.chat", message, (err) => {
          if (err) failed(err);
        });
        outbox.shift();
      } catch {
        return; // the socket closed under us: the next open flushes
      }
    }
  }

  let n = 0;
  return {
    send(text) {
      if (!text.trim()) return;
      outbox.push({ type: "SEND", docId, author: me.sub, text, clientId: `${me.peerId}-${Date.now().toString(36)}-${n++}` });
      flush();
    },
  };
}

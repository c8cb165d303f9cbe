// docsync's web app: sign in with a token, create or open a document, edit its text and drawing with
// others (presence shows who is there, where their cursors are and who is typing), chat beside it.
import { initializeWasm, isValidDocumentId, Presence } from "@automerge/automerge-repo/slim";
import { takeTokenFromUrl, storedToken, saveToken, localProblem, identity, saveName } from "./session.js";
import { startRepo } from "./sync.js";
import { bindText } from "./text.js";
import { bindCanvas } from "./canvas.js";
import { startChat } from "./chat.js";
import { recentDocs, remember } from "./recent.js";

/* global __WASM_URL__ */
const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const wasm = initializeWasm(new URL(__WASM_URL__, document.baseURI).href);

const HEARTBEAT_MS = 10_000;

function showError(message) {
  const el = $("error");
  el.textContent = message;
  el.hidden = !message;
}

function setStatus(state) {
  const el = $("status");
  el.textContent = state;
  el.dataset.state = state;
}

/** Server refusals, in words a person can act on. */
function explain(message) {
  if (message.startsWith("UNAUTHENTICATED")) return `Your token was refused (${message}). Sign in with a valid token.`;
  if (message.startsWith("FORBIDDEN")) return `This document is not permitted for your token (${message}).`;
  return message;
}

function docIdFromUrl() {
  const id = new URLSearchParams(location.search).get("doc");
  if (!id) return null;
  const bare = id.startsWith("automerge:") ? id.slice("automerge:".length) : id;
  return isValidDocumentId(bare) ? bare : "";
}

function shareUrl(docId) {
  return `${location.origin}/?doc=${docId}`;
}

function setUpSignIn(token) {
  const form = $("signin");
  const input = $("token");
  input.value = token ?? "";
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const problem = localProblem(input.value.trim());
    if (problem) return showError(problem);
    saveToken(input.value.trim());
    location.reload(); // a new identity: new connections, new presence
  });
  $("signout").addEventListener("click", () => {
    saveToken(null);
    location.reload();
  });
}

function showRecent() {
  const list = $("recent");
  list.replaceChildren(
    ...recentDocs().map(({ docId, title, at }) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/?doc=${docId}`;
      a.textContent = title || "(untitled)";
      const when = document.createElement("small");
      when.textContent = ` ${docId.slice(0, 8)}… · ${new Date(at).toLocaleString()}`;
      li.append(a, when);
      return li;
    }),
  );
  $("recent-empty").hidden = list.children.length > 0;
}

async function main() {
  takeTokenFromUrl();
  const token = storedToken();
  setUpSignIn(token);
  showRecent();
  const docId = docIdFromUrl();
  document.body.dataset.view = docId ? "doc" : "home";
  if (docId === "") return showError("This link does not name a document (expected ?doc=<document id>).");
  const problem = token ? localProblem(token) : "Sign in with a token to create or open documents.";
  $("new-doc").disabled = !!problem;
  if (problem) {
    setStatus("signed out");
    document.body.dataset.signedIn = "false";
    return showError(problem);
  }
  document.body.dataset.signedIn = "true";
  const me = identity(token);
  document.getElementById("whoami").textContent = me.sub;
  $("name").value = me.name;
  $("name").addEventListener("change", () => {
    me.name = $("name").value.trim() || me.sub;
    saveName(me.name);
  });
  await wasm;
  const { repo } = startRepo({ token, peerId: me.peerId, onState: setStatus, onServerError: (m) => showError(explain(m)) });
  $("new-doc").addEventListener("click", () => {
    const handle = repo.create({ text: "", strokes: {} });
    history.pushState(null, "", `/?doc=${handle.documentId}`);
    openDoc({ repo, handle, token, me });
  });
  if (docId) {
    try {
      const handle = await repo.find(`automerge:${docId}`);
      openDoc({ repo, handle, token, me });
    } catch (e) {
      if ($("error").hidden) showError(`Document ${docId} is not available: ${e.message}`);
    }
  }
}

let opened = null;

function openDoc({ handle, token, me }) {
  if (opened) return location.reload(); // one document per page
  opened = handle;
  const docId = handle.documentId;
  document.body.dataset.view = "doc";
  const link = $("doc-url");
  link.href = link.textContent = shareUrl(docId);
  const title = () => (handle.doc()?.text ?? "").split("\n")[0].slice(0, 60);
  remember(docId, title());
  handle.on("change", () => remember(docId, title()));
  document.title = `docsync · ${title() || docId.slice(0, 8)}`;

  const presence = new Presence({ handle });
  presence.start({
    initialState: { user: { name: me.name, color: me.color }, cursor: null, selection: null, typing: false },
    heartbeatMs: HEARTBEAT_MS,
  });
  let typingTimer;
  const text = bindText({
    handle,
    textarea: $("editor"),
    layer: document.getElementById("cursors"),
    mirror: document.getElementById("mirror"),
    onLocalSelection: ({ cursor, selection }) => {
      presence.broadcast("cursor", cursor);
      presence.broadcast("selection", selection);
    },
    onTyping: () => {
      if (!presence.getLocalState().typing) presence.broadcast("typing", true);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => presence.broadcast("typing", false), 1500);
    },
  });
  const peers = () =>
    Object.values(presence.getPeerStates().value)
      .filter((p) => p.value?.user)
      .map((p) => ({
        peerId: p.peerId,
        name: String(p.value.user.name ?? p.peerId),
        color: /^#[0-9a-f]{3,8}$/i.test(p.value.user.color ?? "") ? p.value.user.color : "#607d8b",
        cursor: p.value.cursor ?? null,
        selection: p.value.selection ?? null,
        typing: p.value.typing === true,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const render = () => {
    const list = peers();
    showPeers(list);
    text.drawPeers(list);
  };
  for (const type of ["snapshot", "update", "goodbye", "pruning"]) presence.on(type, render);
  handle.on("change", render);
  addEventListener("resize", render);
  $("editor").addEventListener("scroll", render);
  addEventListener("pagehide", () => presence.stop());

  $("name").addEventListener("change", () => presence.broadcast("user", { name: me.name, color: me.color }));

  bindCanvas({ handle, canvas: $("canvas"), undoButton: $("undo"), redoButton: $("redo"),
    colorInput: document.getElementById("pen-color"), widthInput: document.getElementById("pen-width"), me });

  const chat = startChat({
    docId, token, me, log: $("chat-log"),
    onError: (err) => showError(explain(String(err.message ?? err))),
    onOpenChange: (open) => (document.getElementById("chat").dataset.open = String(open)),
  });
  const send = () => {
    chat.send($("chat-input").value);
    $("chat-input").value = "";
    $("chat-input").focus();
  };
  $("chat-send").addEventListener("click", send);
  $("chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  });
  render();
}

function showPeers(list) {
  const ul = $("peers");
  ul.replaceChildren(
    ...list.map((p) => {
      const li = document.createElement("li");
      li.dataset.testid = "peer";
      li.dataset.peer = p.peerId;
      const dot = document.createElement("span");
      dot.className = "swatch";
      dot.style.background = p.color;
      li.append(dot, document.createTextNode(p.name));
      if (p.typing) {
        const t = document.createElement("em");
        t.textContent = " typing…";
        li.append(t);
      }
      return li;
    }),
  );
  $("peers-empty").hidden = list.length > 0;
}

main().catch((e) => showError(`The app failed to start: ${e.message}`));

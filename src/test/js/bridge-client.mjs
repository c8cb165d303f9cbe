// Event-bus bridge clients (the real @vertx/eventbus-bridge-client.js over SockJS) and automerge-repo
// WebSocket clients in one Node process, for docsync's bridge, presence and chat tests. One process,
// one clock: latencies between participants are measured here with performance.now().
// Protocol: one JSON request per stdin line -> exactly one JSON reply per stdout line ({ok:true,...} or
// {ok:false,error}), in order. stdout carries replies only; diagnostics go to stderr.
import EventBus from "@vertx/eventbus-bridge-client.js";
import * as Automerge from "@automerge/automerge";
import { Repo, Presence } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";

process.on("uncaughtException", (e) => console.error("[bridge-client] uncaught:", e?.stack ?? e));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const unb64 = (s) => new Uint8Array(Buffer.from(s, "base64"));

async function until(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

// ---- event-bus connections ----

const conns = new Map(); // name -> {eb, messages: [{address, body, error, at}], errors: [], docs: Map}

function conn(name) {
  const c = conns.get(name);
  if (!c) throw new Error(`unknown connection ${name}`);
  return c;
}

function register(c, address) {
  if (c.registered.has(address)) return;
  c.registered.add(address);
  c.eb.registerHandler(address, (err, msg) => {
    c.messages.push({ address, body: msg?.body ?? null, error: err ?? null, at: performance.now() });
    c.listeners.forEach((l) => l());
  });
}

function request(c, address, body, timeoutMs = 10000) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
    c.eb.send(address, body, {}, (err, reply) => {
      clearTimeout(timer);
      resolve(err ? { error: err } : { reply: reply.body });
    });
  });
}

async function requestOk(c, address, body) {
  const r = await request(c, address, body);
  if (!r.reply) throw new Error(`${address} ${body.type} failed: ${JSON.stringify(r)}`);
  return r.reply;
}

const messagesOf = (c, address) => c.messages.filter((m) => m.address === address);

// Plain JSON of a document: scalar strings written by Java arrive as Automerge.ImmutableString.
function plain(v) {
  if (v instanceof Automerge.ImmutableString) return v.toString();
  if (v instanceof Automerge.Counter) return v.value;
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

// ---- Automerge frontends over the bridge (one replica per connection and document) ----

function frontendDoc(c, docId) {
  const d = c.docs.get(docId);
  if (!d) throw new Error(`${docId} not opened on this connection`);
  return d;
}

function applyChangeEvent(d, body) {
  if (!d.doc) return void d.pending.push(body);
  d.doc = Automerge.loadIncremental(d.doc, unb64(body.changes));
}

const commands = {
  // transports (optional): sockjs-client transports to allow, e.g. ["xhr-polling"] to test the XHR fallback.
  async connect({ conn: name, url, transports, token, timeoutMs = 10000 }) {
    const eb = new EventBus(url, transports ? { transports } : {});
    if (token) eb.defaultHeaders = { authorization: `Bearer ${token}` };
    const c = { eb, messages: [], errors: [], registered: new Set(), docs: new Map(), listeners: new Set(), open: false };
    eb.enableReconnect(false);
    eb.onerror = (err) => c.errors.push({ error: err, at: performance.now() });
    eb.onclose = () => (c.open = false);
    conns.set(name, c);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("connect timed out")), timeoutMs);
      eb.onopen = () => {
        clearTimeout(timer);
        c.open = true;
        resolve();
      };
    });
    return {};
  },
  close({ conn: name }) {
    conn(name).eb.close();
    return {};
  },
  // The bridge acknowledges no registration: a request answered after it proves the server has it
  // (one socket, frames handled in order).
  async register({ conn: name, address }) {
    const c = conn(name);
    register(c, address);
    await request(c, "docsync.presence", { type: "LIST", docId: "barrier" });
    return {};
  },
  async send({ conn: name, address, body, timeoutMs = 10000 }) {
    return request(conn(name), address, body, timeoutMs);
  },
  publish({ conn: name, address, body }) {
    conn(name).eb.publish(address, body);
    return {};
  },
  messages({ conn: name, address }) {
    return { messages: messagesOf(conn(name), address) };
  },
  async waitMessages({ conn: name, address, count = 1, timeoutMs = 10000 }) {
    const c = conn(name);
    await until(() => messagesOf(c, address).length >= count, timeoutMs, `${count} messages on ${address}`);
    return { messages: messagesOf(c, address) };
  },
  async waitError({ conn: name, count = 1, timeoutMs = 10000 }) {
    const c = conn(name);
    await until(() => c.errors.length >= count, timeoutMs, `${count} bridge errors`);
    return { errors: c.errors };
  },
  errors({ conn: name }) {
    return { errors: conn(name).errors, open: conn(name).open };
  },

  // Subscribe first, then OPEN: no change falls between the snapshot and the first event.
  async amOpen({ conn: name, docId }) {
    const c = conn(name);
    const d = { doc: null, pending: [] };
    c.docs.set(docId, d);
    const address = `docsync.changes.${docId}`;
    c.eb.registerHandler(address, (err, msg) => (err ? c.errors.push({ error: err }) : applyChangeEvent(d, msg.body)));
    const reply = await requestOk(c, "docsync.frontend", { type: "OPEN", docId, view: false });
    d.doc = Automerge.load(unb64(reply.snapshot));
    d.pending.splice(0).forEach((body) => applyChangeEvent(d, body));
    return { heads: Automerge.getHeads(d.doc) };
  },
  async amPut({ conn: name, docId, key, value, origin }) {
    const c = conn(name);
    const d = frontendDoc(c, docId);
    d.doc = Automerge.change(d.doc, (x) => {
      x[key] = value;
    });
    const change = Automerge.getLastLocalChange(d.doc);
    const reply = await requestOk(c, "docsync.frontend", { type: "LOCAL_CHANGE", docId, change: b64(change), origin });
    return { heads: reply.heads, localHeads: Automerge.getHeads(d.doc) };
  },
  amDoc({ conn: name, docId }) {
    const d = frontendDoc(conn(name), docId);
    return { json: plain(Automerge.toJS(d.doc)), heads: Automerge.getHeads(d.doc).sort() };
  },
  async amWait({ conn: name, docId, key, value, timeoutMs = 10000 }) {
    const d = frontendDoc(conn(name), docId);
    await until(() => d.doc && plain(d.doc[key]) === value, timeoutMs, `${key} = ${JSON.stringify(value)}`);
    return { json: plain(Automerge.toJS(d.doc)), heads: Automerge.getHeads(d.doc).sort() };
  },

  // From UPDATE sent on one connection to the presence event seen on another, n times.
  async cursorLatency({ from, to, docId, participantId, n = 20, warmup = 5 }) {
    const a = conn(from);
    const b = conn(to);
    const address = `docsync.presence.${docId}`;
    await commands.register({ conn: to, address });
    const samples = [];
    for (let i = 0; i < warmup + n; i++) {
      const cursor = `cursor-${Date.now()}-${i}`;
      const seen = () => messagesOf(b, address).some((m) => m.body?.participantId === participantId && m.body?.state?.cursor === cursor);
      const t0 = performance.now();
      a.eb.send("docsync.presence", { type: "UPDATE", docId, participantId, state: { cursor } }, {}, () => {});
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`cursor ${cursor} not seen within 5 s`)), 5000);
        const check = () => {
          if (seen()) {
            clearTimeout(timer);
            b.listeners.delete(check);
            resolve();
          }
        };
        b.listeners.add(check);
        check();
      });
      if (i >= warmup) samples.push(performance.now() - t0);
      await sleep(5);
    }
    return { samples };
  },

  // ---- automerge-repo clients over /sync, with automerge-repo's Presence ----

  repoStart({ repo: name, url, peerId }) {
    const repo = new Repo({ network: [new WebSocketClientAdapter(url, 500)], peerId });
    repos.set(name, { repo, handles: new Map(), presences: new Map(), events: [] });
    return { peerId: repo.peerId };
  },
  async repoConnected({ repo: name, timeoutMs = 10000 }) {
    const r = repoOf(name);
    await until(() => r.repo.peers.length > 0, timeoutMs, "the server peer");
    return {};
  },
  // presence (optional): start automerge-repo's Presence with this state at once, as apps do, before
  // the server has even loaded the document.
  repoCreate({ repo: name, value = {}, presence }) {
    const r = repoOf(name);
    const handle = r.repo.create(value);
    r.handles.set(handle.documentId, handle);
    if (presence) commands.presenceStart({ repo: name, docId: handle.documentId, state: presence });
    return { documentId: handle.documentId };
  },
  async repoFind({ repo: name, docId }) {
    const r = repoOf(name);
    const handle = await r.repo.find(`automerge:${docId}`);
    r.handles.set(docId, handle);
    return { json: plain(Automerge.toJS(handle.doc())) };
  },
  repoPut({ repo: name, docId, key, value }) {
    handleOf(name, docId).change((d) => {
      d[key] = value;
    });
    return {};
  },
  async repoWait({ repo: name, docId, key, value, timeoutMs = 10000 }) {
    const handle = handleOf(name, docId);
    await until(() => plain(handle.doc()?.[key]) === value, timeoutMs, `${key} = ${JSON.stringify(value)}`);
    return { json: plain(Automerge.toJS(handle.doc())), heads: Automerge.getHeads(handle.doc()).sort() };
  },
  repoDoc({ repo: name, docId }) {
    const doc = handleOf(name, docId).doc();
    return { json: plain(Automerge.toJS(doc)), heads: Automerge.getHeads(doc).sort() };
  },
  presenceStart({ repo: name, docId, state, heartbeatMs, peerTtlMs }) {
    const r = repoOf(name);
    const presence = new Presence({ handle: handleOf(name, docId) });
    for (const type of ["snapshot", "update", "goodbye", "pruning"]) {
      presence.on(type, (e) => r.events.push({ type, ...e, at: performance.now() }));
    }
    presence.start({ initialState: state, heartbeatMs, peerTtlMs });
    r.presences.set(docId, presence);
    return {};
  },
  presenceBroadcast({ repo: name, docId, channel, value }) {
    presenceOf(name, docId).broadcast(channel, value);
    return {};
  },
  presenceStop({ repo: name, docId }) {
    presenceOf(name, docId).stop();
    return {};
  },
  presencePeers({ repo: name, docId }) {
    return { peers: presenceOf(name, docId).getPeerStates().value };
  },
  async presenceWait({ repo: name, docId, peerId, key, value, gone = false, timeoutMs = 10000 }) {
    const presence = presenceOf(name, docId);
    const ok = () => {
      const peer = presence.getPeerStates().value[peerId];
      if (gone) return !peer;
      return peer && (key === undefined || JSON.stringify(peer.value?.[key]) === JSON.stringify(value));
    };
    await until(ok, timeoutMs, `presence of ${peerId} ${gone ? "gone" : `${key} = ${JSON.stringify(value)}`}`);
    return { peers: presence.getPeerStates().value };
  },
  // From a bus UPDATE (connection `conn`) to the repo's Presence seeing it, n times.
  async cursorLatencyToRepo({ conn: name, repo: repoName, docId, participantId, n = 20, warmup = 5 }) {
    const c = conn(name);
    const presence = presenceOf(repoName, docId);
    const samples = [];
    for (let i = 0; i < warmup + n; i++) {
      const cursor = `bus-${Date.now()}-${i}`;
      const t0 = performance.now();
      c.eb.send("docsync.presence", { type: "UPDATE", docId, participantId, state: { cursor } }, {}, () => {});
      await until(() => presence.getPeerStates().value[participantId]?.value?.cursor === cursor, 5000, `cursor ${cursor}`);
      if (i >= warmup) samples.push(performance.now() - t0);
      await sleep(5);
    }
    return { samples };
  },
  // From the repo's Presence broadcast to the presence event on connection `conn`, n times.
  async cursorLatencyFromRepo({ conn: name, repo: repoName, docId, participantId, n = 20, warmup = 5 }) {
    const c = conn(name);
    const presence = presenceOf(repoName, docId);
    const address = `docsync.presence.${docId}`;
    await commands.register({ conn: name, address });
    const samples = [];
    for (let i = 0; i < warmup + n; i++) {
      const cursor = `ws-${Date.now()}-${i}`;
      const t0 = performance.now();
      presence.broadcast("cursor", cursor);
      await until(() => messagesOf(c, address).some((m) => m.body?.participantId === participantId && m.body?.state?.cursor === cursor),
        5000, `cursor ${cursor}`);
      if (i >= warmup) samples.push(performance.now() - t0);
      await sleep(5);
    }
    return { samples };
  },
  async repoShutdown({ repo: name }) {
    await repoOf(name).repo.shutdown();
    repos.delete(name);
    return {};
  },
};

const repos = new Map(); // name -> {repo, handles, presences, events}

function repoOf(name) {
  const r = repos.get(name);
  if (!r) throw new Error(`unknown repo ${name}`);
  return r;
}

function handleOf(name, docId) {
  const handle = repoOf(name).handles.get(docId);
  if (!handle) throw new Error(`${docId} not created or found in repo ${name}`);
  return handle;
}

function presenceOf(name, docId) {
  const presence = repoOf(name).presences.get(docId);
  if (!presence) throw new Error(`no presence started for ${docId} in repo ${name}`);
  return presence;
}

const rl = createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    let reply;
    try {
      const req = JSON.parse(line);
      if (req.cmd === "exit") process.exit(0);
      if (req.cmd === "crash") process.kill(process.pid, "SIGKILL"); // vanish: no close frames, no goodbye
      const handler = commands[req.cmd];
      if (!handler) throw new Error(`unknown cmd: ${req.cmd}`);
      reply = { ok: true, ...(await handler(req)) };
    } catch (e) {
      reply = { ok: false, error: String(e?.stack ?? e) };
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  });
});
rl.on("close", () => process.exit(0));

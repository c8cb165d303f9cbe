// A real automerge-repo client (Repo + WebSocketClientAdapter, optionally NodeFSStorageAdapter) for the
// Java interop tests of docsync's /sync endpoint.
// Protocol: one JSON request per stdin line -> exactly one JSON reply per stdout line ({ok:true,...} or
// {ok:false,error}). stdout carries replies only; diagnostics go to stderr.
import { Repo, generateAutomergeUrl, parseAutomergeUrl } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import * as Automerge from "@automerge/automerge";
import { createInterface } from "node:readline";

// The adapter rethrows socket errors other than ECONNREFUSED (e.g. ECONNRESET while the server stops)
// from an event handler; a real app would survive that, so this client does too.
process.on("uncaughtException", (e) => console.error("[repo-client] uncaught:", e?.message ?? e));

let repo;
const handles = new Map(); // url -> DocHandle
const ephemerals = []; // {url, senderId, message}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function track(handle) {
  if (!handles.has(handle.url)) {
    handles.set(handle.url, handle);
    // docsync's presence probe (a Presence heartbeat asking peers to resend their state) is not a peer's message.
    handle.on("ephemeral-message", ({ senderId, message }) => {
      if (senderId !== "docsync-presence-probe") ephemerals.push({ url: handle.url, senderId, message });
    });
  }
  return handle;
}

function handleOf(url) {
  const handle = handles.get(url);
  if (!handle) throw new Error(`unknown document ${url}: create or find it first`);
  return handle;
}

async function until(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

const commands = {
  start({ url, peerId, storageDir, retryMs = 500 }) {
    const network = [new WebSocketClientAdapter(url, retryMs)];
    const storage = storageDir ? new NodeFSStorageAdapter(storageDir) : undefined;
    repo = new Repo({ network, storage, peerId });
    return { peerId: repo.peerId };
  },
  async waitConnected({ timeoutMs = 10000 }) {
    await until(() => repo.peers.length > 0, timeoutMs, "the server peer");
    return { peers: repo.peers };
  },
  create({ value = {} }) {
    const handle = track(repo.create(value));
    return { url: handle.url, documentId: handle.documentId };
  },
  newUrl() {
    return { url: generateAutomergeUrl() };
  },
  // Creates the document behind a URL someone else already asked for.
  createAt({ url, value = {} }) {
    const { documentId } = parseAutomergeUrl(url);
    const handle = track(repo.import(Automerge.save(Automerge.from(value)), { docId: documentId }));
    return { url: handle.url };
  },
  // Resolves with the first terminal state: ready, unavailable or failed.
  async find({ url, timeoutMs = 30000 }) {
    const progress = repo.findWithProgress(url);
    track(progress.handle);
    const terminal = (p) => ["ready", "unavailable", "failed"].includes(p.state);
    let state = progress.peek ? progress.peek() : progress;
    if (!terminal(state) && progress.subscribe) {
      state = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`find ${url} timed out`)), timeoutMs);
        const unsubscribe = progress.subscribe((p) => {
          if (terminal(p)) {
            clearTimeout(timer);
            unsubscribe();
            resolve(p);
          }
        });
      });
    }
    return { state: state.state, handleState: progress.handle.state };
  },
  put({ url, key, value }) {
    handleOf(url).change((d) => {
      d[key] = value;
    });
    return {};
  },
  // count changes, one key each; yieldEvery > 0 lets the event loop run (and the repo sync) in between.
  // delayMs > 0 waits that long after each change (a typist rather than a burst).
  async putMany({ url, prefix, count, yieldEvery = 0, delayMs = 0 }) {
    const handle = handleOf(url);
    const startedAt = Date.now();
    for (let i = 0; i < count; i++) {
      handle.change((d) => {
        d[prefix + i] = i;
      });
      if (yieldEvery > 0 && (i + 1) % yieldEvery === 0) await new Promise((r) => setImmediate(r));
      if (delayMs > 0) await sleep(delayMs);
    }
    return { startedAt, finishedAt: Date.now() };
  },
  async waitFor({ url, key, value, timeoutMs = 30000 }) {
    const handle = handleOf(url);
    await until(() => handle.isReady() && handle.doc()[key] === value, timeoutMs, `${key} = ${JSON.stringify(value)}`);
    return { seenAt: Date.now() };
  },
  doc({ url }) {
    const handle = handleOf(url);
    const doc = handle.doc();
    return { state: handle.state, json: JSON.parse(JSON.stringify(doc)), heads: Automerge.getHeads(doc) };
  },
  broadcast({ url, message }) {
    handleOf(url).broadcast(message);
    return {};
  },
  async waitEphemeral({ url, count = 1, timeoutMs = 10000 }) {
    const mine = () => ephemerals.filter((e) => e.url === url);
    await until(() => mine().length >= count, timeoutMs, `${count} ephemeral messages`);
    return { messages: mine() };
  },
  ephemerals({ url }) {
    return { messages: ephemerals.filter((e) => e.url === url) };
  },
  async flush() {
    await repo.flush();
    return {};
  },
  async shutdown() {
    await repo.shutdown();
    return {};
  },
};

const rl = createInterface({ input: process.stdin, terminal: false });
let queue = Promise.resolve();
rl.on("line", (line) => {
  // Serialized: one reply per request, in order.
  queue = queue.then(async () => {
    let reply;
    try {
      const req = JSON.parse(line);
      if (req.cmd === "exit") process.exit(0);
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

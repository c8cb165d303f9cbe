// A real @automerge/automerge peer for the Java interop tests.
// Protocol: one JSON request per stdin line -> exactly one JSON reply per stdout line.
// stdout carries replies only (diagnostics go to stderr); binary values are base64.
import * as Automerge from "@automerge/automerge";
import { createInterface } from "node:readline";

let doc = Automerge.init();
let syncState = Automerge.initSyncState();

const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const unb64 = (s) => {
  if (typeof s !== "string") throw new Error("expected a base64 string");
  return new Uint8Array(Buffer.from(s, "base64"));
};
const heads = () => Automerge.getHeads(doc);

// Plain JSON view: toJS keeps Counter/ImmutableString objects, the Java side wants numbers/strings.
function plain(v) {
  if (v instanceof Automerge.Counter) return v.value;
  if (v instanceof Automerge.ImmutableString) return v.toString();
  if (v instanceof Uint8Array) return b64(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

// Walks all but the last path element from the change proxy, creating missing maps.
function parentOf(d, path) {
  if (!Array.isArray(path) || path.length === 0) throw new Error("path must be a non-empty array");
  let obj = d;
  for (const key of path.slice(0, -1)) {
    if (obj[key] === undefined) obj[key] = {};
    obj = obj[key];
  }
  return [obj, path[path.length - 1]];
}

function applyOp(d, op) {
  const [parent, key] = parentOf(d, op.path);
  switch (op.op) {
    case "put":
      parent[key] = op.value;
      break;
    case "splice":
      if (parent[key] === undefined) parent[key] = "";
      Automerge.splice(d, op.path, op.index ?? 0, op.delete ?? 0, op.insert ?? "");
      break;
    case "push":
      if (parent[key] === undefined) parent[key] = [];
      parent[key].push(op.value);
      break;
    case "increment":
      if (parent[key] === undefined) parent[key] = new Automerge.Counter(0);
      parent[key].increment(op.by ?? 1);
      break;
    default:
      throw new Error(`unknown op: ${op.op}`);
  }
}

const handlers = {
  init() {
    doc = Automerge.init();
    syncState = Automerge.initSyncState();
    return {};
  },
  load(req) {
    doc = Automerge.load(unb64(req.bytes));
    return { heads: heads() };
  },
  change(req) {
    if (!Array.isArray(req.ops)) throw new Error("ops must be an array");
    const before = heads();
    doc = Automerge.change(doc, (d) => req.ops.forEach((op) => applyOp(d, op)));
    // An op list that changes nothing makes no change; don't report an older one.
    const same = JSON.stringify(before) === JSON.stringify(heads());
    const change = same ? null : Automerge.getLastLocalChange(doc);
    return { change: change ? b64(change) : null, heads: heads() };
  },
  applyChanges(req) {
    if (!Array.isArray(req.changes)) throw new Error("changes must be an array");
    [doc] = Automerge.applyChanges(doc, req.changes.map(unb64));
    return { heads: heads() };
  },
  // Takes a save, a saveSince or concatenated changes (as Java encodeChangesSince gives);
  // applyChanges only takes single changes.
  loadIncremental(req) {
    doc = Automerge.loadIncremental(doc, unb64(req.bytes));
    return { heads: heads() };
  },
  save: () => ({ bytes: b64(Automerge.save(doc)) }),
  saveSince: (req) => ({ bytes: b64(Automerge.saveSince(doc, req.heads ?? [])) }),
  json: () => ({ json: plain(Automerge.toJS(doc)), heads: heads() }),
  heads: () => ({ heads: heads() }),
  generateSync() {
    let message;
    [syncState, message] = Automerge.generateSyncMessage(doc, syncState);
    return { message: message ? b64(message) : null };
  },
  receiveSync(req) {
    [doc, syncState] = Automerge.receiveSyncMessage(doc, syncState, unb64(req.message));
    return { heads: heads() };
  },
  encodeSyncState: () => ({ bytes: b64(Automerge.encodeSyncState(syncState)) }),
  decodeSyncState(req) {
    syncState = Automerge.decodeSyncState(unb64(req.bytes));
    return {};
  },
  resetSyncState() {
    syncState = Automerge.initSyncState();
    return {};
  },
  exit: () => ({}),
};

// Returns [reply, exitAfterReply]; never throws, so a bad request cannot kill the peer.
function handle(line) {
  try {
    const req = JSON.parse(line);
    const h = Object.hasOwn(handlers, req?.cmd) ? handlers[req.cmd] : null;
    if (!h) throw new Error(`unknown cmd: ${req?.cmd}`);
    return [{ ok: true, ...h(req) }, req.cmd === "exit"];
  } catch (e) {
    return [{ ok: false, error: String(e?.message ?? e) }, false];
  }
}

// stdin EOF closes readline and lets node exit 0 by itself.
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let exiting = false;
rl.on("line", (line) => {
  if (exiting) return; // lines already buffered behind "exit" are not answered
  const [reply, exit] = handle(line);
  const out = JSON.stringify(reply) + "\n";
  if (!exit) return void process.stdout.write(out);
  exiting = true;
  rl.close();
  process.stdout.write(out, () => process.exit(0));
});

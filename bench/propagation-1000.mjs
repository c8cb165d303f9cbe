// Time for 1,000 changes from client A to reach client B through one sync server (automerge-repo
// clients, as apps use them). Usage: node bench/propagation-1000.mjs ws://127.0.0.1:PORT/path [label]
// Needs the reference server's packages: run from bench/reference-server (npm ci) or with NODE_PATH.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";

const [url, label = url] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const until = async (predicate, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(1);
  }
};

const a = new Repo({ network: [new WebSocketClientAdapter(url)] });
const b = new Repo({ network: [new WebSocketClientAdapter(url)] });
await until(() => a.peers.length > 0 && b.peers.length > 0, 10000);
const handle = a.create({ n: -1 });
await sleep(500);
const other = await b.find(handle.url);
await until(() => other.doc()?.n === -1, 10000);

for (const [mode, yieldEvery] of [["burst", 0], ["paced", 1]]) {
  const base = other.doc().n + 1;
  const started = Date.now();
  for (let i = 0; i < 1000; i++) {
    handle.change((d) => { d.n = base + i; });
    if (yieldEvery) await new Promise((r) => setImmediate(r));
  }
  const made = Date.now();
  await until(() => other.doc().n === base + 999, 120000);
  const seen = Date.now();
  console.log(`${label} ${mode}: A made 1000 changes in ${made - started} ms; B had the last ${seen - made} ms later (${seen - started} ms after the first)`);
}
process.exit(0);

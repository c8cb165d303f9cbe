// The reference automerge-repo sync server, as automerge-repo-sync-server builds it: one Repo with a
// NodeWSServerAdapter (WebSocket) and a NodeFSStorageAdapter (files), announcing nothing
// (sharePolicy: async () => false); a peer gets a document once it asks for it.
//
//   node server.mjs PORT STORAGE_DIR          (or env PORT, STORAGE_DIR)
//
// Listens on 127.0.0.1 only. Prints "listening on 127.0.0.1:PORT" once ready. SIGTERM/SIGINT: the
// Repo flushes what it has not saved yet, then the process exits. Started with --expose-gc, SIGUSR2
// runs a full GC (the benchmark does it before reading the resident memory, as it does on docsync).
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";
import os from "node:os";

const port = Number(process.argv[2] ?? process.env.PORT ?? 3030);
const storageDir = process.argv[3] ?? process.env.STORAGE_DIR ?? "./automerge-sync-server-data";
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node server.mjs PORT STORAGE_DIR");
  process.exit(2);
}

// ws defaults, as the sync server has them (maxPayload 100 MiB, no permessage-deflate).
const wss = new WebSocketServer({ host: "127.0.0.1", port });
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(storageDir),
  peerId: `storage-server-${os.hostname()}`,
  sharePolicy: async () => false,
});

wss.on("listening", () => console.log(`listening on 127.0.0.1:${port}`));
wss.on("error", (e) => {
  console.error(`cannot listen on 127.0.0.1:${port}: ${e.message}`);
  process.exit(1);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await repo.shutdown(); // flushes pending saves
  } catch (e) {
    console.error("shutdown:", e?.message ?? e);
  }
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("SIGUSR2", () => globalThis.gc?.());

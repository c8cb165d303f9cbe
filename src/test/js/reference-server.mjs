// The automerge-repo sync server as its users run it (automerge-repo-sync-server): a Repo with
// WebSocketServerAdapter (NodeWSServerAdapter) and NodeFSStorageAdapter, sharing nothing unasked.
// Usage: node reference-server.mjs <port> <storageDir>; prints "READY <port>" once listening.
import { Repo } from "@automerge/automerge-repo";
import { WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";
import os from "node:os";

const [port, storageDir] = process.argv.slice(2);
const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(port) });
new Repo({
  network: [new WebSocketServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(storageDir),
  peerId: `storage-server-${os.hostname()}`,
  sharePolicy: async () => false,
});
wss.on("listening", () => console.log(`READY ${wss.address().port}`));
process.on("SIGTERM", () => wss.close(() => process.exit(0)));

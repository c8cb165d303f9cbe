// Documents and presence over docsync's /sync (automerge-repo's WebSocket protocol), on the page's own
// origin so that the app works behind a proxy; local copies in IndexedDB keep offline edits.
import { Repo, cbor } from "@automerge/automerge-repo/slim";
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket";
import { IndexedDBStorageAdapter } from "@automerge/automerge-repo-storage-indexeddb";

const RETRY_MS = 1000;

/** automerge-repo only logs the server's error messages: this adapter also reports them. */
class DocsyncSocket extends WebSocketClientAdapter {
  constructor(url, onServerError) {
    super(url, RETRY_MS);
    this.onServerError = onServerError;
  }

  receiveMessage(bytes) {
    let message = null;
    try {
      message = cbor.decode(new Uint8Array(bytes));
    } catch {
      // the base class logs undecodable messages
    }
    super.receiveMessage(bytes);
    if (message?.type === "error") this.onServerError(String(message.message ?? ""), this);
  }

  /** A refused token is refused again at every retry: stop trying until the person signs in again. */
  stop() {
    try {
      this.disconnect();
    } catch {
      // not connected
    }
  }
}

export function wsUrl(token) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/sync?token=${encodeURIComponent(token)}`;
}

/**
 * The repo, and its connection state: "online" once docsync greeted us, "reconnecting" while the socket
 * is down, "offline" when the browser says it has no network.
 */
export function startRepo({ token, peerId, onState, onServerError }) {
  const socket = new DocsyncSocket(wsUrl(token), (message) => {
    if (message.startsWith("UNAUTHENTICATED")) socket.stop();
    onServerError(message);
  });
  let connected = false;
  let wasConnected = false;
  const report = () => onState(connected ? "online" : navigator.onLine === false ? "offline"
    : wasConnected ? "reconnecting" : "connecting");
  socket.on("peer-candidate", () => {
    connected = wasConnected = true;
    report();
  });
  socket.on("peer-disconnected", () => {
    connected = false;
    report();
  });
  addEventListener("online", report);
  addEventListener("offline", report);
  report();
  const repo = new Repo({ network: [socket], storage: new IndexedDBStorageAdapter("docsync"), peerId });
  return { repo, isOnline: () => connected };
}

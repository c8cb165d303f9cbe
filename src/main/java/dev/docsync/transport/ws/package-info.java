/**
 * {@code ws://host:port/sync}: the automerge-repo network protocol (v1), so that automerge-repo apps
 * ({@code WebSocketClientAdapter}) use docsync as their sync server.
 *
 * <ul>
 *   <li>Frames: one binary WebSocket message = one CBOR map ({@link dev.docsync.transport.ws.WsCodec}).
 *       Bad input gets an {@code error} message; undecodable CBOR also closes the socket (1003), a
 *       message over {@code DOCSYNC_WS_MAX_MESSAGE_BYTES} too (1009). Counted in {@link dev.docsync.transport.ws.WsCounters}.
 *   <li>Handshake: {@code join} (protocol "1" only; otherwise {@code error} and close 1002) is answered
 *       by {@code peer} with the store's stable identity. A second join of the same peerId, on any
 *       socket, closes the older one. Messages whose senderId is not the peer joined on the socket
 *       are ignored, as the JS server does.
 *   <li>Documents: each socket is one core peer per document it sends {@code request}/{@code sync}
 *       for (HELLO once, then SYNC), under a per-connection peer id and one event-bus outbox. Its sync
 *       state is stored under the client's storageId when the client has storage and is not
 *       ephemeral. A {@code request} the server cannot serve gets {@code doc-unavailable}; the peer
 *       stays registered and is sent the document when it arrives. Closing the socket says BYE.
 *   <li>{@code ephemeral}: relayed, never stored, to the other WebSocket peers of the document through
 *       one event-bus publish address per document (so across connections and, clustered, nodes).
 *   <li>{@code remote-subscription-change} and {@code remote-heads-changed} (remote-heads gossip, off
 *       by default in automerge-repo) are accepted and ignored; so are {@code doc-unavailable},
 *       {@code peer} and {@code error} sent by a client.
 *   <li>Liveness: a WebSocket ping every {@code DOCSYNC_WS_PING_MS}; a socket silent for a whole
 *       interval is closed. permessage-deflate only with {@code DOCSYNC_WS_DEFLATE}.
 *   <li>Writes: only from the socket's event loop, straight to Netty ({@code DirectWrites});
 *       what the client has not read is bounded per socket and per node ({@code Outbound}).
 *   <li>Limits ({@link dev.docsync.limits}, {@code DOCSYNC_LIMIT_*}): connections per address and
 *       sockets not yet joined (refused at the upgrade with an {@code error} and close), join timeout and
 *       messages before join, messages per second per socket (past the rate the socket is read at the
 *       rate, with one {@code error RATE_LIMITED} a second: nothing is dropped), documents per socket. Counted in
 *       {@code docsync.limits.exceeded}.
 * </ul>
 */
package dev.docsync.transport.ws;

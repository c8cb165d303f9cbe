package dev.docsync.presence;

import io.vertx.core.json.JsonObject;

/**
 * A presence message of a WebSocket peer, taken off the ephemeral relay.
 *
 * @param senderId the automerge-repo peerId: the participant id
 * @param subject the token subject of the connection that sent it: the participant's owner
 * @param connection the WebSocket connection that relayed it (its close means the participant left)
 * @param message the inner {@code __presence} map: type snapshot, update, heartbeat or goodbye
 */
record WsPresence(String docId, String senderId, String subject, String connection, JsonObject message) {
  String type() {
    return message.getString("type", "");
  }
}

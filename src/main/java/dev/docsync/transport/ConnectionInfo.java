package dev.docsync.transport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One client connection of this node, as operators see it ({@code GET /api/connections}).
 *
 * @param transport websocket, sockjs or tcp
 * @param subject the token's subject ("anonymous" with authentication off; "-" before a token was seen)
 * @param documents the documents it syncs or has open
 * @param sinceMs when it connected, epoch ms
 */
public record ConnectionInfo(String id, String transport, String subject, String remote, List<String> documents, long sinceMs) {

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("transport", transport).put("subject", subject).put("remote", remote)
        .put("documents", new JsonArray(documents)).put("since", sinceMs);
  }
}

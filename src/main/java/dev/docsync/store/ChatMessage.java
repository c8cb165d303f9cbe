package dev.docsync.store;

import io.vertx.core.json.JsonObject;

/**
 * One stored chat message.
 *
 * @param id increasing per server (not gapless): the order of messages and the key to deduplicate on
 * @param time when the server stored it, epoch milliseconds (server clock, so all clients agree)
 */
public record ChatMessage(long id, String docId, String author, String text, long time) {
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("docId", docId).put("author", author).put("text", text).put("time", time);
  }
}

package dev.docsync.chat;

import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.JsonBodies;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;

/** Event-bus bodies to {@link ChatRequest}s, or a {@link DocsyncException} naming what is wrong. */
final class ChatRequestParser {
  private static final int MAX_ID_LENGTH = 256;
  private final ChatSettings settings;

  ChatRequestParser(ChatSettings settings) {
    this.settings = settings;
  }

  ChatRequest parse(Object body) {
    JsonObject json = JsonBodies.object(body);
    String type = JsonBodies.string(json, "type", true, 32);
    DocId docId = new DocId(JsonBodies.string(json, "docId", true, MAX_ID_LENGTH));
    return switch (type) {
      case "SEND" -> send(json, docId);
      case "HISTORY" -> history(json, docId);
      default -> throw new DocsyncException(ErrorCode.UNKNOWN_TYPE,
          "unknown chat message type '" + type + "' (expected SEND or HISTORY)");
    };
  }

  private ChatRequest.Send send(JsonObject json, DocId docId) {
    String author = JsonBodies.string(json, "author", true, MAX_ID_LENGTH);
    String text = JsonBodies.string(json, "text", true, Integer.MAX_VALUE);
    if (text.length() > settings.maxTextChars()) {
      throw new DocsyncException(ErrorCode.TOO_LARGE, "text exceeds " + settings.maxTextChars() + " characters");
    }
    return new ChatRequest.Send(docId, author, text, JsonBodies.string(json, "clientId", false, MAX_ID_LENGTH));
  }

  private ChatRequest.History history(JsonObject json, DocId docId) {
    Long limit = number(json, "limit");
    Long before = number(json, "before");
    if (limit != null && limit <= 0) {
      throw malformed("field 'limit' must be positive");
    }
    int capped = limit == null ? settings.historyLimit() : (int) Math.min(limit, settings.historyLimit());
    return new ChatRequest.History(docId, capped, before);
  }

  private static Long number(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw malformed("field '" + field + "' must be an integer");
    }
    return ((Number) value).longValue();
  }





  private static DocsyncException malformed(String message) {
    return new DocsyncException(ErrorCode.MALFORMED_MESSAGE, message);
  }
}

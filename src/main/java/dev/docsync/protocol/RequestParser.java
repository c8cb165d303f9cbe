package dev.docsync.protocol;

import io.vertx.core.json.JsonObject;

/** Turns event-bus JSON bodies into {@link DocRequest}s, or a {@link DocsyncException} naming what is wrong. */
public final class RequestParser {
  private static final int MAX_ID_LENGTH = 256;
  private final int maxPayloadBytes;

  public RequestParser(int maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  public DocRequest frontend(Object body) {
    JsonObject json = JsonBodies.object(body);
    String type = requiredString(json, "type");
    DocId docId = new DocId(requiredString(json, "docId"));
    return switch (type) {
      case "OPEN" -> new DocRequest.Open(docId, flag(json, "view", true), true);
      case "READ" -> new DocRequest.Open(docId, flag(json, "view", true), false);
      case "LOCAL_CHANGE" -> new DocRequest.LocalChange(docId, payload(json, "change"), optionalString(json, "origin"));
      case "CLOSE" -> new DocRequest.Close(docId);
      default -> throw new DocsyncException(ErrorCode.UNKNOWN_TYPE,
          "unknown frontend message type '" + type + "' (expected OPEN, READ, LOCAL_CHANGE or CLOSE)");
    };
  }

  public DocRequest peer(Object body) {
    JsonObject json = JsonBodies.object(body);
    String type = requiredString(json, "type");
    DocId docId = new DocId(requiredString(json, "docId"));
    String peerId = id(json, "peerId", true);
    return switch (type) {
      case "HELLO" -> hello(json, docId, peerId);
      case "SYNC" -> new DocRequest.Sync(docId, peerId, payload(json, "message"));
      case "BYE" -> new DocRequest.Bye(docId, peerId);
      default -> throw new DocsyncException(ErrorCode.UNKNOWN_TYPE,
          "unknown peer message type '" + type + "' (expected HELLO, SYNC or BYE)");
    };
  }

  private DocRequest.Hello hello(JsonObject json, DocId docId, String peerId) {
    boolean ephemeral = flag(json, "ephemeral", false);
    String storageId = id(json, "storageId", false);
    String storageKey = ephemeral ? null : (storageId != null ? storageId : peerId);
    String address = id(json, "address", false);
    return new DocRequest.Hello(docId, peerId, storageKey, address != null ? address : Addresses.peerOutbox(peerId),
        flag(json, "readOnly", false), json.getValue("message") == null ? null : payload(json, "message"));
  }



  private static boolean flag(JsonObject json, String field, boolean fallback) {
    Object value = json.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field '" + field + "' must be a boolean");
    }
    return b;
  }

  private static String requiredString(JsonObject json, String field) {
    String value = optionalString(json, field);
    if (value == null || value.isEmpty()) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "missing string field '" + field + "'");
    }
    return value;
  }

  private static String optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field '" + field + "' must be a string");
    }
    return s;
  }

  private static String id(JsonObject json, String field, boolean required) {
    String value = required ? requiredString(json, field) : optionalString(json, field);
    if (value != null && (value.isEmpty() || value.length() > MAX_ID_LENGTH)) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field '" + field + "' must be 1-" + MAX_ID_LENGTH + " characters");
    }
    return value;
  }

  private byte[] payload(JsonObject json, String field) {
    if ("".equals(json.getValue(field))) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field '" + field + "' is empty");
    }
    String text = requiredString(json, field);
    // base64 grows by 4/3: refuse before decoding anything oversized.
    if ((long) text.length() * 3 / 4 > maxPayloadBytes) {
      throw new DocsyncException(ErrorCode.TOO_LARGE, "field '" + field + "' exceeds " + maxPayloadBytes + " bytes");
    }
    byte[] bytes = Base64s.decode(text, field);
    if (bytes.length == 0) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field '" + field + "' is empty");
    }
    return bytes;
  }
}

package dev.docsync.transport.ws;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.transport.ws.WsDecodeException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * automerge-repo CBOR frames to {@link WsMessage}s and back, in one place. Decoding never throws
 * anything but {@link WsDecodeException}, whatever the bytes. Encoding writes what cbor-x reads:
 * definite-length maps with text keys, {@code data} as a plain byte string (no tag).
 * Unknown extra fields are ignored, as the JS peers do. Thread-safe.
 */
public final class WsCodec {
  /** Longest id (peer, storage, session) accepted; the core refuses longer ones anyway. */
  static final int MAX_ID_LENGTH = 256;
  /** Protocol messages are flat; deep nesting only costs stack. */
  private static final int MAX_NESTING = 32;

  private final CBORMapper mapper = new CBORMapper(CBORFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
      .build());

  // ---- decoding ----

  public WsMessage decode(byte[] frame) throws WsDecodeException {
    ObjectNode map = readMap(frame);
    String type = text(map, "type", true);
    String sender = id(map, "senderId", true);
    String target = id(map, "targetId", false);
    switch (type) {
      case "join":
        return new WsMessage.Join(sender, metadata(map), texts(map, "supportedProtocolVersions"));
      case "peer":
        return new WsMessage.Peer(sender, target, metadata(map), text(map, "selectedProtocolVersion", false));
      case "error":
        return new WsMessage.Error(sender, target, text(map, "message", false));
      case "request":
        return new WsMessage.Request(sender, target, documentId(map), data(map));
      case "sync":
        return new WsMessage.Sync(sender, target, documentId(map), data(map));
      case "doc-unavailable":
        return new WsMessage.DocUnavailable(sender, target, documentId(map));
      case "ephemeral":
        return new WsMessage.Ephemeral(sender, target, documentId(map), data(map), count(map), id(map, "sessionId", true));
      case "remote-subscription-change":
        return new WsMessage.RemoteSubscriptionChange(sender, target, texts(map, "add"), texts(map, "remove"));
      case "remote-heads-changed":
        requireMap(map, "newHeads");
        return new WsMessage.RemoteHeadsChanged(sender, target, documentId(map));
      default:
        throw new WsDecodeException(Kind.UNKNOWN_TYPE, "unknown message type '" + abbreviate(type) + "'");
    }
  }

  /** Exactly one CBOR item, and it must be a map. */
  private ObjectNode readMap(byte[] frame) throws WsDecodeException {
    JsonNode node;
    try (JsonParser parser = mapper.createParser(frame)) {
      node = mapper.readTree(parser);
      if (node == null || node.isMissingNode()) {
        throw new WsDecodeException(Kind.NOT_CBOR, "empty frame");
      }
      if (parser.nextToken() != null) {
        throw new WsDecodeException(Kind.NOT_CBOR, "bytes after the CBOR item");
      }
    } catch (IOException | RuntimeException e) {
      throw new WsDecodeException(Kind.NOT_CBOR, "not CBOR: " + abbreviate(String.valueOf(e.getMessage())));
    }
    if (!(node instanceof ObjectNode map)) {
      throw new WsDecodeException(Kind.NOT_A_MAP, "message must be a CBOR map, got " + node.getNodeType());
    }
    return map;
  }

  private static String text(ObjectNode map, String field, boolean required) throws WsDecodeException {
    JsonNode value = map.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw badField("missing text field '" + field + "'");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw badField("field '" + field + "' must be a text string, got " + value.getNodeType());
    }
    return value.textValue();
  }

  private static String id(ObjectNode map, String field, boolean required) throws WsDecodeException {
    String value = text(map, field, required);
    if (value != null && (value.isEmpty() || value.length() > MAX_ID_LENGTH)) {
      throw badField("field '" + field + "' must be 1-" + MAX_ID_LENGTH + " characters");
    }
    return value;
  }

  /** Checked here so that no malformed id ever reaches the core. */
  private static String documentId(ObjectNode map) throws WsDecodeException {
    String value = text(map, "documentId", true);
    try {
      return new DocId(value).value();
    } catch (DocsyncException e) {
      throw badField("field 'documentId' is not a valid document id: " + e.getMessage());
    }
  }

  private static byte[] data(ObjectNode map) throws WsDecodeException {
    JsonNode value = map.get("data");
    if (value == null || !value.isBinary()) {
      throw badField("field 'data' must be a byte string" + (value == null ? "" : ", got " + value.getNodeType()));
    }
    byte[] bytes;
    try {
      bytes = value.binaryValue();
    } catch (IOException e) {
      throw badField("field 'data' is unreadable");
    }
    if (bytes.length == 0) {
      throw badField("field 'data' is empty");
    }
    return bytes;
  }

  private static long count(ObjectNode map) throws WsDecodeException {
    JsonNode value = map.get("count");
    if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
      throw badField("field 'count' must be an integer");
    }
    return value.longValue();
  }

  private static List<String> texts(ObjectNode map, String field) throws WsDecodeException {
    JsonNode value = map.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw badField("field '" + field + "' must be an array of text strings");
    }
    List<String> result = new ArrayList<>(value.size());
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw badField("field '" + field + "' must be an array of text strings");
      }
      result.add(item.textValue());
    }
    return result;
  }

  private static WsMessage.PeerMetadata metadata(ObjectNode map) throws WsDecodeException {
    JsonNode value = map.get("peerMetadata");
    if (value == null || value.isNull()) {
      return null;
    }
    if (!(value instanceof ObjectNode meta)) {
      throw badField("field 'peerMetadata' must be a map");
    }
    JsonNode ephemeral = meta.get("isEphemeral");
    if (ephemeral != null && !ephemeral.isNull() && !ephemeral.isBoolean()) {
      throw badField("field 'peerMetadata.isEphemeral' must be a boolean");
    }
    Boolean isEphemeral = ephemeral == null || ephemeral.isNull() ? null : ephemeral.booleanValue();
    return new WsMessage.PeerMetadata(id(meta, "storageId", false), isEphemeral);
  }

  private static void requireMap(ObjectNode map, String field) throws WsDecodeException {
    if (!(map.get(field) instanceof ObjectNode)) {
      throw badField("field '" + field + "' must be a map");
    }
  }

  private static WsDecodeException badField(String message) {
    return new WsDecodeException(Kind.BAD_FIELD, message);
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }

  // ---- encoding ----

  public byte[] encode(WsMessage message) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("type", typeOf(message));
    fields.put("senderId", message.senderId());
    addFields(message, fields);
    fields.values().removeIf(v -> v == null);
    return write(fields);
  }

  /** The wire name of a message's type. */
  public static String typeOf(WsMessage message) {
    if (message instanceof WsMessage.Join) {
      return "join";
    } else if (message instanceof WsMessage.Peer) {
      return "peer";
    } else if (message instanceof WsMessage.Error) {
      return "error";
    } else if (message instanceof WsMessage.Request) {
      return "request";
    } else if (message instanceof WsMessage.Sync) {
      return "sync";
    } else if (message instanceof WsMessage.DocUnavailable) {
      return "doc-unavailable";
    } else if (message instanceof WsMessage.Ephemeral) {
      return "ephemeral";
    } else if (message instanceof WsMessage.RemoteSubscriptionChange) {
      return "remote-subscription-change";
    }
    return "remote-heads-changed";
  }

  private static void addFields(WsMessage message, Map<String, Object> f) {
    if (message instanceof WsMessage.Join m) {
      f.put("peerMetadata", metadataFields(m.peerMetadata()));
      f.put("supportedProtocolVersions", m.supportedProtocolVersions());
    } else if (message instanceof WsMessage.Peer m) {
      f.put("peerMetadata", metadataFields(m.peerMetadata()));
      f.put("selectedProtocolVersion", m.selectedProtocolVersion());
      f.put("targetId", m.targetId());
    } else if (message instanceof WsMessage.Error m) {
      f.put("message", m.message());
      f.put("targetId", m.targetId());
    } else if (message instanceof WsMessage.Request m) {
      putDoc(f, m.targetId(), m.documentId(), m.data());
    } else if (message instanceof WsMessage.Sync m) {
      putDoc(f, m.targetId(), m.documentId(), m.data());
    } else if (message instanceof WsMessage.DocUnavailable m) {
      putDoc(f, m.targetId(), m.documentId(), null);
    } else if (message instanceof WsMessage.Ephemeral m) {
      putDoc(f, m.targetId(), m.documentId(), m.data());
      f.put("count", m.count());
      f.put("sessionId", m.sessionId());
    } else if (message instanceof WsMessage.RemoteSubscriptionChange m) {
      f.put("targetId", m.targetId());
      f.put("add", m.add());
      f.put("remove", m.remove());
    } else if (message instanceof WsMessage.RemoteHeadsChanged m) {
      putDoc(f, m.targetId(), m.documentId(), null);
      f.put("newHeads", Map.of());
    }
  }

  private static void putDoc(Map<String, Object> f, String targetId, String documentId, byte[] data) {
    f.put("targetId", targetId);
    f.put("documentId", documentId);
    f.put("data", data);
  }

  private static Map<String, Object> metadataFields(WsMessage.PeerMetadata metadata) {
    if (metadata == null) {
      return null;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("storageId", metadata.storageId());
    fields.put("isEphemeral", metadata.isEphemeral());
    fields.values().removeIf(v -> v == null);
    return fields;
  }

  private byte[] write(Map<String, Object> fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (CBORGenerator generator = (CBORGenerator) mapper.createGenerator(out)) {
      writeValue(generator, fields);
    } catch (IOException e) {
      throw new UncheckedIOException("CBOR encoding into memory failed", e);
    }
    return out.toByteArray();
  }

  private static void writeValue(CBORGenerator g, Object value) throws IOException {
    if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof byte[] bytes) {
      g.writeBinary(bytes);
    } else if (value instanceof Long n) {
      g.writeNumber(n);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof List<?> list) {
      g.writeStartArray(list, list.size());
      for (Object item : list) {
        writeValue(g, item);
      }
      g.writeEndArray();
    } else if (value instanceof Map<?, ?> map) {
      g.writeStartObject(map, map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        g.writeFieldName((String) e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else {
      throw new IllegalArgumentException("cannot encode " + value.getClass());
    }
  }
}

package dev.docsync.presence;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.docsync.protocol.Base64s;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The payload of automerge-repo's {@code Presence} (2.5.6, {@code src/presence}): an ephemeral
 * message whose CBOR data is {@code {"__presence": {type: "snapshot", state} | {type: "update",
 * channel, value} | {type: "heartbeat"} | {type: "goodbye"}}}. Converts that inner map to and from
 * Vert.x JSON (CBOR byte strings become base64 strings). Thread-safe.
 */
final class PresenceCodec {
  static final String MARKER = "__presence";

  private final CBORMapper cbor = new CBORMapper(CBORFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
      .build());
  private final ObjectMapper json = new ObjectMapper();

  /** The inner presence message, or null when the payload is not presence (other apps share the channel). */
  JsonObject decode(byte[] data) {
    try {
      JsonNode inner = cbor.readTree(data).get(MARKER);
      return inner != null && inner.isObject() ? (JsonObject) toVertx(inner) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Whether the payload is presence, without decoding it: its top-level keys are read, their values skipped. */
  boolean isPresence(byte[] data) {
    try (JsonParser parser = cbor.getFactory().createParser(data)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        if (MARKER.equals(parser.currentName())) {
          return true;
        }
        parser.nextToken();
        parser.skipChildren();
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  byte[] encode(JsonObject inner) {
    try {
      ObjectNode root = json.createObjectNode();
      root.set(MARKER, json.readTree(inner.encode()));
      return cbor.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object toVertx(JsonNode node) {
    if (node.isObject()) {
      JsonObject object = new JsonObject();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        object.put(field.getKey(), toVertx(field.getValue()));
      }
      return object;
    }
    if (node.isArray()) {
      JsonArray array = new JsonArray();
      node.forEach(element -> array.add(toVertx(element)));
      return array;
    }
    if (node.isBinary()) {
      try {
        return Base64s.encode(node.binaryValue());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (node.isNumber()) {
      return node.numberValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.isNull() || node.isMissingNode() ? null : node.asText();
  }
}

package dev.docsync.client;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The CBOR data of automerge-repo 2.5's {@code Presence} ephemeral messages:
 * {@code {"__presence": {type: snapshot|update|heartbeat|goodbye, ...}}}, to and from Vert.x JSON.
 */
final class PresencePayload {
  static final String MARKER = "__presence";
  private static final CBORMapper CBOR = new CBORMapper(CBORFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build());
  private static final ObjectMapper JSON = new ObjectMapper();

  private PresencePayload() {}

  static byte[] encode(JsonObject inner) {
    try {
      ObjectNode root = JSON.createObjectNode();
      root.set(MARKER, JSON.readTree(inner.encode()));
      return CBOR.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The inner message, or null when the payload is not presence (apps share the ephemeral channel). */
  static JsonObject decode(byte[] data) {
    try {
      JsonNode inner = CBOR.readTree(data).get(MARKER);
      return inner != null && inner.isObject() ? new JsonObject(JSON.writeValueAsString(inner)) : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}

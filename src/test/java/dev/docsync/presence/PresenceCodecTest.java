package dev.docsync.presence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PresenceCodecTest {
  private final PresenceCodec codec = new PresenceCodec();

  @Test
  void roundTripsAutomergeRepoPresenceMessages() {
    JsonObject snapshot = new JsonObject().put("type", "snapshot").put("state", new JsonObject()
        .put("user", new JsonObject().put("name", "Ada").put("color", "#fff")).put("cursor", "c@1").put("typing", false).putNull("selection"));
    assertThat(codec.decode(codec.encode(snapshot))).isEqualTo(snapshot);
  }

  @Test
  void otherEphemeralPayloadsAreNotPresence() throws Exception {
    CBORMapper cbor = new CBORMapper();
    assertThat(codec.decode(cbor.writeValueAsBytes(Map.of("cursor", 3)))).isNull();
    assertThat(codec.decode(cbor.writeValueAsBytes("just a string"))).isNull();
    assertThat(codec.decode(cbor.writeValueAsBytes(Map.of("__presence", "not a map")))).isNull();
    assertThat(codec.decode(new byte[] {(byte) 0xff, 0x00, 0x13})).isNull();
    assertThat(codec.decode(new byte[0])).isNull();
  }

  @Test
  void byteStringsBecomeBase64() throws Exception {
    byte[] data = new CBORMapper().writeValueAsBytes(Map.of("__presence", Map.of("type", "update", "channel", "blob", "value", new byte[] {1, 2, 3})));
    assertThat(codec.decode(data).getString("value")).isEqualTo("AQID");
  }
}

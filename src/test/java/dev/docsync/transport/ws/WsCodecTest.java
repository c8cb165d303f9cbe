package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.docsync.testing.WsClient;
import dev.docsync.transport.ws.WsDecodeException.Kind;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WsCodecTest {
  private static final WsCodec CODEC = new WsCodec();
  private static final byte[] SYNC = {0x42, 0, 0, 1, 0, 0, 0, 2, 2, (byte) 0x84};
  private static final String DOC = "4Xz1dqN5LA7dXpKwHEeeakqwYiUR";

  // Frames as cbor-x encodes them in automerge-repo 2.5.6 (new Encoder({tagUint8Array: false, useRecords: false})).
  private static final String JS_JOIN = "b900046474797065646a6f696e6873656e646572496468706565722d6162636c706565724d65746164617461"
      + "b900026973746f726167654964782436623166306232652d366232632d346637612d396434632d3166326533643463356236616b69734570"
      + "68656d6572616cf47819737570706f7274656450726f746f636f6c56657273696f6e73816131";
  private static final String JS_SYNC = "b9000564747970656473796e636873656e646572496468706565722d61626368746172676574496466736572"
      + "7665726a646f63756d656e744964781c34587a3164714e354c41376458704b7748456565616b71775969555264646174614a420000010000"
      + "00020284";
  private static final String JS_EPHEMERAL = "b90007647479706569657068656d6572616c6873656e646572496468706565722d6162636874617267"
      + "65744964667365727665726a646f63756d656e744964781c34587a3164714e354c41376458704b7748456565616b717759695552646461"
      + "746144a161780165636f756e74036973657373696f6e4964627331";

  static List<WsMessage> samples() {
    WsMessage.PeerMetadata meta = new WsMessage.PeerMetadata("6b1f0b2e-6b2c-4f7a-9d4c-1f2e3d4c5b6a", false);
    return List.of(
        new WsMessage.Join("peer-a", meta, List.of("1")),
        new WsMessage.Join("peer-a", null, null),
        new WsMessage.Peer("server", "peer-a", meta, "1"),
        new WsMessage.Error("server", "peer-a", "unsupported protocol version"),
        new WsMessage.Request("peer-a", "server", DOC, SYNC),
        new WsMessage.Sync("server", "peer-a", DOC, SYNC),
        new WsMessage.DocUnavailable("server", "peer-a", DOC),
        new WsMessage.Ephemeral("peer-a", "peer-b", DOC, new byte[] {1, 2, 3}, 9_007_199_254_740_991L, "session"),
        new WsMessage.RemoteSubscriptionChange("peer-a", "server", List.of("s1"), List.of()),
        new WsMessage.RemoteHeadsChanged("peer-a", "server", DOC));
  }

  @Test
  void everyMessageSurvivesARoundTrip() throws Exception {
    for (WsMessage message : samples()) {
      assertThat(CODEC.decode(CODEC.encode(message))).usingRecursiveComparison().isEqualTo(message);
    }
  }

  @Test
  void framesEncodedByCborXDecode() throws Exception {
    assertThat(CODEC.decode(HexFormat.of().parseHex(JS_JOIN))).usingRecursiveComparison().isEqualTo(
        new WsMessage.Join("peer-abc", new WsMessage.PeerMetadata("6b1f0b2e-6b2c-4f7a-9d4c-1f2e3d4c5b6a", false), List.of("1")));
    assertThat(CODEC.decode(HexFormat.of().parseHex(JS_SYNC))).usingRecursiveComparison().isEqualTo(
        new WsMessage.Sync("peer-abc", "server", DOC, SYNC));
    assertThat(CODEC.decode(HexFormat.of().parseHex(JS_EPHEMERAL))).usingRecursiveComparison().isEqualTo(
        new WsMessage.Ephemeral("peer-abc", "server", DOC, new byte[] {(byte) 0xa1, 0x61, 0x78, 1}, 3, "s1"));
  }

  /** cbor-x must read data as a Uint8Array: a plain byte string, no tag, and maps with text keys. */
  @Test
  void dataIsWrittenAsAnUntaggedByteString() throws Exception {
    byte[] frame = CODEC.encode(new WsMessage.Sync("server", "peer-a", DOC, SYNC));
    assertThat(frame[0] & 0xe0).isEqualTo(0xa0); // a map
    try (JsonParser parser = WsClient.CBOR.createParser(frame)) {
      int binaries = 0;
      for (JsonToken token; (token = parser.nextToken()) != null; ) {
        if (token == JsonToken.VALUE_EMBEDDED_OBJECT) {
          binaries++;
          assertThat(parser.getBinaryValue()).isEqualTo(SYNC);
        }
      }
      assertThat(binaries).isEqualTo(1);
    }
    // "data", then a byte string of 10 bytes (0x4a) and no tag 64 (0xd840)
    assertThat(HexFormat.of().formatHex(frame)).contains("64617461" + "4a" + "42000001").doesNotContain("d840");
  }

  @Test
  void eachKindOfBadInputHasItsKind() {
    assertKind(new byte[0], Kind.NOT_CBOR);
    assertKind(new byte[] {(byte) 0xff}, Kind.NOT_CBOR);
    assertKind(concat(CODEC.encode(samples().get(5)), new byte[] {0}), Kind.NOT_CBOR);
    assertKind(WsClient.encode(List.of("join")), Kind.NOT_A_MAP);
    assertKind(WsClient.encode(Map.of("type", "hello", "senderId", "a")), Kind.UNKNOWN_TYPE);
    assertKind(WsClient.encode(Map.of("type", "sync", "senderId", "a", "documentId", DOC)), Kind.BAD_FIELD);
    assertKind(WsClient.encode(Map.of("type", "sync", "senderId", "", "documentId", DOC, "data", SYNC)), Kind.BAD_FIELD);
    assertKind(WsClient.encode(Map.of("type", "sync", "senderId", "a".repeat(257), "documentId", DOC, "data", SYNC)),
        Kind.BAD_FIELD);
  }

  @Test
  void deepNestingIsRefusedWithoutStackOverflow() {
    byte[] deep = new byte[100_000];
    java.util.Arrays.fill(deep, (byte) 0x81); // arrays of arrays of ...
    assertKind(deep, Kind.NOT_CBOR);
  }

  /** Whatever the bytes, decode returns a message or throws WsDecodeException: nothing else. */
  @Test
  void randomAndMutatedBytesNeverThrowAnythingElse() {
    Random random = new Random(20240611);
    List<byte[]> seeds = new ArrayList<>();
    samples().forEach(m -> seeds.add(CODEC.encode(m)));
    seeds.add(HexFormat.of().parseHex(JS_JOIN));
    seeds.add(HexFormat.of().parseHex(JS_SYNC));
    seeds.add(HexFormat.of().parseHex(JS_EPHEMERAL));
    int decoded = 0;
    for (int i = 0; i < 200_000; i++) {
      byte[] input = i % 4 == 0 ? randomBytes(random) : mutate(seeds.get(random.nextInt(seeds.size())), random);
      try {
        CODEC.decode(input);
        decoded++;
      } catch (WsDecodeException expected) {
        assertThat(expected.kind()).isNotNull();
      }
    }
    assertThat(decoded).isPositive(); // some mutations stay valid: the fuzzer reaches past the CBOR layer
  }

  /** Random maps with the protocol's keys and random value types exercise every field check. */
  @Test
  void randomlyTypedFieldsNeverThrowAnythingElse() {
    Random random = new Random(7);
    String[] keys = {"type", "senderId", "targetId", "documentId", "data", "count", "sessionId", "peerMetadata",
        "supportedProtocolVersions", "add", "remove", "newHeads", "message", "selectedProtocolVersion"};
    String[] types = {"join", "peer", "error", "request", "sync", "doc-unavailable", "ephemeral",
        "remote-subscription-change", "remote-heads-changed"};
    for (int i = 0; i < 50_000; i++) {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("type", types[random.nextInt(types.length)]);
      for (String key : keys) {
        if (random.nextInt(3) > 0) {
          map.put(key, randomValue(random, 2));
        }
      }
      if (random.nextBoolean()) {
        map.put("type", types[random.nextInt(types.length)]);
      }
      try {
        CODEC.decode(WsClient.encode(map));
      } catch (WsDecodeException expected) {
        assertThat(expected.kind()).isIn(Kind.BAD_FIELD, Kind.UNKNOWN_TYPE);
      }
    }
  }

  private static Object randomValue(Random random, int depth) {
    switch (random.nextInt(depth > 0 ? 10 : 8)) {
      case 0: return null;
      case 1: return random.nextBoolean();
      case 2: return random.nextLong();
      case 3: return random.nextDouble();
      case 4: return random.nextBoolean() ? DOC : "x".repeat(random.nextInt(300));
      case 5: return randomBytes(random);
      case 6: return "1";
      case 7: return "";
      case 8: return java.util.Arrays.asList(randomValue(random, depth - 1), randomValue(random, depth - 1));
      default:
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("storageId", randomValue(random, depth - 1));
        map.put("isEphemeral", randomValue(random, depth - 1));
        return map;
    }
  }

  private static byte[] randomBytes(Random random) {
    byte[] bytes = new byte[random.nextInt(64)];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] bytes = seed.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      switch (random.nextInt(4)) {
        case 0 -> bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        case 1 -> bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length) + 1);
        case 2 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        default -> bytes = concat(bytes, new byte[] {(byte) random.nextInt(256)});
      }
    }
    return bytes;
  }

  private static void assertKind(byte[] frame, Kind kind) {
    assertThatThrownBy(() -> CODEC.decode(frame)).isInstanceOfSatisfying(WsDecodeException.class,
        e -> assertThat(e.kind()).isEqualTo(kind));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}

package dev.docsync.fuzz;

import static dev.docsync.fuzz.Mutations.pick;

import dev.docsync.testing.WsClient;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Frames for {@code /sync}: valid automerge-repo messages (join, request and sync with real Automerge
 * sync bytes, ephemeral, the rest of the protocol) and mutations of them: changed data bytes, field type
 * swaps, removed and added fields, random and exotic CBOR, bit flips, truncation, huge announced lengths,
 * junk, text and fragmented frames, oversized messages. Deterministic for a given Random.
 */
final class WsFrameFuzzer {
  /** How a frame goes on the wire. */
  enum Wire { BINARY, TEXT, FRAGMENTED }

  record Frame(Wire wire, byte[] bytes, String label) {}

  private final FuzzCorpus corpus;
  private final int maxMessageBytes;
  /** Document ids mutations may use: the fuzz documents and random ones, never a protected one. */
  private final List<String> mutableDocIds;

  WsFrameFuzzer(FuzzCorpus corpus, int maxMessageBytes) {
    this.corpus = corpus;
    this.maxMessageBytes = maxMessageBytes;
    this.mutableDocIds = corpus.fuzzDocs;
  }

  /** A seed message, and whether it names a protected document (then only safe data may be spliced in). */
  private record Seed(Map<String, Object> message, boolean protectedDoc) {}

  private Seed seed(Random r, String peer, boolean joined) {
    int k = r.nextInt(100);
    Map<String, Object> m = new LinkedHashMap<>();
    if (joined && k < 5) {
      m.put("type", "join");
      m.put("senderId", r.nextInt(3) == 0 ? peer + "-other" : peer);
      switch (r.nextInt(4)) {
        case 0 -> m.put("peerMetadata", Map.of("isEphemeral", true));
        case 1 -> m.put("peerMetadata", Map.of("storageId", "fuzz-storage-" + r.nextInt(8), "isEphemeral", false));
        case 2 -> m.put("supportedProtocolVersions", List.of("2", "3"));
        default -> { }
      }
      if (r.nextBoolean()) {
        m.put("supportedProtocolVersions", List.of("1"));
      }
      return new Seed(m, false);
    }
    if (k < 55) {
      boolean prot = r.nextInt(5) == 0;
      String doc = prot ? pick(r, corpus.protectedDocs) : pick(r, corpus.fuzzDocs);
      boolean changes = !prot && r.nextInt(3) > 0;
      byte[] data = changes ? pick(r, corpus.changeData) : pick(r, corpus.safeData);
      m.put("type", !changes && r.nextBoolean() ? "request" : "sync");
      m.put("senderId", peer);
      m.put("targetId", "server");
      m.put("documentId", doc);
      m.put("data", data);
      return new Seed(m, prot);
    }
    if (k < 80) {
      boolean prot = r.nextInt(4) == 0;
      m.put("type", "ephemeral");
      m.put("senderId", peer);
      m.put("targetId", "server");
      m.put("documentId", prot ? pick(r, corpus.protectedDocs) : pick(r, corpus.fuzzDocs));
      m.put("data", pick(r, corpus.ephemeralData));
      m.put("count", (long) r.nextInt(1000));
      m.put("sessionId", "fuzz-session-" + r.nextInt(4));
      return new Seed(m, prot);
    }
    m.put("senderId", peer);
    m.put("targetId", "server");
    switch (r.nextInt(5)) {
      case 0 -> {
        m.put("type", "doc-unavailable");
        m.put("documentId", pick(r, corpus.fuzzDocs));
      }
      case 1 -> {
        m.put("type", "remote-subscription-change");
        m.put("add", List.of(pick(r, corpus.fuzzDocs)));
        m.put("remove", List.of());
      }
      case 2 -> {
        m.put("type", "remote-heads-changed");
        m.put("documentId", pick(r, corpus.fuzzDocs));
        m.put("newHeads", Map.of("storage-x", Map.of("heads", List.of("00ff"), "timestamp", 1L)));
      }
      case 3 -> {
        m.put("type", "peer");
        m.put("selectedProtocolVersion", "1");
      }
      default -> {
        m.put("type", "error");
        m.put("message", "client says hello");
      }
    }
    return new Seed(m, false);
  }

  /** The next frame of a session of {@code peer} ({@code joined}: the session sent its join first). */
  Frame next(Random r, String peer, boolean joined) {
    Seed seed = seed(r, peer, joined);
    int m = r.nextInt(1000);
    if (m < 250) {
      return binary(seed.message(), "valid-" + seed.message().get("type"));
    }
    if (m < 520) {
      return binary(mutateData(r, seed), "data");
    }
    if (m < 730) {
      return binary(mutateFields(r, seed), "fields");
    }
    if (m < 800) {
      return new Frame(Wire.BINARY, WsClient.encode(randomMessage(r, peer)), "random-cbor");
    }
    if (m < 860) {
      return new Frame(Wire.BINARY, exotic(r, peer), "exotic-cbor");
    }
    if (m < 880) {
      return new Frame(Wire.TEXT, WsClient.encode(seed.message()), "text");
    }
    if (m < 905) {
      return new Frame(Wire.FRAGMENTED, WsClient.encode(r.nextBoolean() ? seed.message() : mutateFields(r, seed)), "fragmented");
    }
    if (m < 915) {
      return big(r, seed, r.nextInt(4) == 0);
    }
    if (m < 950) {
      return new Frame(Wire.BINARY, Mutations.flipBits(r, WsClient.encode(seed.message()), 1 + r.nextInt(4)), "bitflip");
    }
    if (m < 960) {
      return new Frame(Wire.BINARY, Mutations.truncate(r, WsClient.encode(seed.message())), "truncated");
    }
    if (m < 970) {
      return new Frame(Wire.BINARY, hugeLength(r, seed), "huge-length");
    }
    if (m < 975) {
      return new Frame(Wire.BINARY, FuzzCorpus.randomBytes(r, 1 + r.nextInt(200)), "junk");
    }
    if (m < 990) {
      return new Frame(Wire.BINARY, Mutations.anyByteMutation(r, WsClient.encode(seed.message())), "bytes");
    }
    return new Frame(Wire.BINARY, nesting(r, peer), "nesting");
  }

  private static Frame binary(Map<String, Object> message, String label) {
    return new Frame(Wire.BINARY, WsClient.encode(message), label);
  }

  /** The structure stays valid; the Automerge bytes (or ephemeral payload) do not. */
  private Map<String, Object> mutateData(Random r, Seed seed) {
    Map<String, Object> m = new LinkedHashMap<>(seed.message());
    if (!(m.get("data") instanceof byte[] data)) {
      return mutateFields(r, seed);
    }
    List<byte[]> donors = seed.protectedDoc() ? corpus.safeData : r.nextBoolean() ? corpus.changeData : corpus.safeData;
    byte[] mutated = switch (r.nextInt(6)) {
      case 5 -> craftedHave(r);
      case 0 -> Mutations.splice(r, data, pick(r, donors));
      case 1 -> FuzzCorpus.randomBytes(r, 1 + r.nextInt(300));
      case 2 -> Mutations.concat(new byte[] {0x42}, FuzzCorpus.randomBytes(r, r.nextInt(100))); // sync message type byte
      default -> Mutations.anyByteMutation(r, data);
    };
    m.put("data", mutated);
    return m;
  }

  /**
   * A sync message whose {@code have} carries a Bloom filter with odd parameters (0 bits per entry,
   * 0 or billions of probes, more entries than bits, ...) and never a change: the shape that took the
   * Automerge core down.
   */
  private static byte[] craftedHave(Random r) {
    java.io.ByteArrayOutputStream bloom = new java.io.ByteArrayOutputStream();
    long entries = pick(r, List.of(0L, 1L, 3L, 1000L, 0xffffffffL));
    long bitsPerEntry = pick(r, List.of(0L, 1L, 10L, 255L));
    long probes = pick(r, List.of(0L, 1L, 7L, 64L, 65L, 1000L, 0xffffffffL));
    leb(bloom, entries);
    leb(bloom, bitsPerEntry);
    leb(bloom, probes);
    bloom.writeBytes(FuzzCorpus.randomBytes(r, r.nextInt(40)));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0x42);
    out.write(0); // heads
    out.write(0); // need
    int haves = 1 + r.nextInt(2);
    leb(out, haves);
    for (int h = 0; h < haves; h++) {
      out.write(0); // lastSync
      byte[] b = h == 0 ? bloom.toByteArray() : new byte[0];
      leb(out, b.length);
      out.writeBytes(b);
    }
    out.write(0); // changes
    return out.toByteArray();
  }

  private static void leb(java.io.ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }

  /** Type swaps, removed, added and renamed fields, other types, senders that did not join. */
  private Map<String, Object> mutateFields(Random r, Seed seed) {
    Map<String, Object> m = new LinkedHashMap<>(seed.message());
    for (int n = 1 + r.nextInt(2); n > 0; n--) {
      List<String> keys = new ArrayList<>(m.keySet());
      switch (r.nextInt(7)) {
        case 0, 1 -> { // swap a value's type
          if (!keys.isEmpty()) {
            m.put(pick(r, keys), Mutations.randomValue(r, mutableDocIds, 2));
          }
        }
        case 2 -> {
          if (!keys.isEmpty()) {
            m.remove(pick(r, keys));
          }
        }
        case 3 -> m.put(Mutations.randomString(r, mutableDocIds), Mutations.randomValue(r, mutableDocIds, 2));
        case 4 -> m.put("type", Mutations.randomString(r, mutableDocIds));
        case 5 -> m.put("senderId", Mutations.randomString(r, mutableDocIds));
        default -> m.put("documentId", Mutations.randomString(r, mutableDocIds));
      }
    }
    return m;
  }

  /** Random CBOR: usually a map with protocol-like keys, sometimes anything. */
  private Object randomMessage(Random r, String peer) {
    if (r.nextInt(4) == 0) {
      return Mutations.randomValue(r, mutableDocIds, 3);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    for (String key : List.of("type", "senderId", "targetId", "documentId", "data", "count", "sessionId", "peerMetadata")) {
      if (r.nextInt(3) > 0) {
        m.put(key, key.equals("senderId") && r.nextBoolean() ? peer : Mutations.randomValue(r, mutableDocIds, 2));
      }
    }
    return m;
  }

  /** Well-formed CBOR using tags, indefinite lengths, half floats, simple values, non-text keys. */
  private byte[] exotic(Random r, String peer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (r.nextInt(3) == 0) {
      Mutations.exoticItem(r, out, 3);
      return out.toByteArray();
    }
    int extra = 1 + r.nextInt(3);
    out.write(0xbf); // indefinite map
    Mutations.key(out, "type");
    Mutations.key(out, pick(r, List.of("sync", "request", "ephemeral", "remote-subscription-change")));
    Mutations.key(out, "senderId");
    Mutations.key(out, peer);
    Mutations.key(out, "documentId");
    Mutations.key(out, pick(r, corpus.fuzzDocs));
    for (int i = 0; i < extra; i++) {
      Mutations.key(out, pick(r, List.of("data", "count", "sessionId", "add", "targetId", "x")));
      Mutations.exoticItem(r, out, 2);
    }
    out.write(0xff);
    return out.toByteArray();
  }

  /** A byte string, text, array or map announcing far more than follows (up to 2^63). */
  private byte[] hugeLength(Random r, Seed seed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long huge = pick(r, List.of(0xffffffffL, 0x7fffffffffffffffL, 0xffffffffffffffffL, 1L << 40, (long) maxMessageBytes * 4));
    switch (r.nextInt(5)) {
      case 0 -> { // the data field's byte string
        out.write(0xa2);
        Mutations.key(out, "type");
        Mutations.key(out, "sync");
        Mutations.key(out, "data");
        Mutations.head(out, 2, huge);
        out.writeBytes(FuzzCorpus.randomBytes(r, r.nextInt(64)));
      }
      case 1 -> { // a map announcing huge many entries
        Mutations.head(out, 5, huge);
        Mutations.key(out, "type");
        Mutations.key(out, "sync");
      }
      case 2 -> { // an array
        Mutations.head(out, 4, huge);
        out.write(0x01);
      }
      case 3 -> { // a text key
        out.write(0xa1);
        Mutations.head(out, 3, huge);
        out.writeBytes("type".getBytes());
      }
      default -> { // a valid message with a huge-length item appended inside its map
        byte[] valid = WsClient.encode(seed.message());
        out.write(0xbf);
        out.writeBytes(java.util.Arrays.copyOfRange(valid, 1, valid.length)); // drop the definite map head
        Mutations.key(out, "extra");
        Mutations.head(out, 2, huge);
      }
    }
    return out.toByteArray();
  }

  /** Big frames: just under the message limit (must pass), or over it (refused, socket closed 1009). */
  private Frame big(Random r, Seed seed, boolean over) {
    Map<String, Object> m = new LinkedHashMap<>(seed.message());
    int size = over ? maxMessageBytes + 1 + r.nextInt(1000) : maxMessageBytes / 2 + r.nextInt(maxMessageBytes / 4);
    m.put("type", "sync");
    m.put("documentId", pick(r, corpus.fuzzDocs));
    m.put("data", FuzzCorpus.randomBytes(r, size));
    return binary(m, over ? "oversized" : "big");
  }

  /** Nested arrays/maps, beyond the decoder's depth limit or not. */
  private byte[] nesting(Random r, String peer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int depth = r.nextBoolean() ? 10 + r.nextInt(20) : 33 + r.nextInt(5000);
    out.write(0xa3);
    Mutations.key(out, "type");
    Mutations.key(out, "remote-subscription-change");
    Mutations.key(out, "senderId");
    Mutations.key(out, peer);
    Mutations.key(out, "add");
    for (int i = 0; i < depth; i++) {
      if (r.nextBoolean()) {
        out.write(0x81); // array of one
      } else {
        out.write(0xa1); // map of one
        Mutations.key(out, "k");
      }
    }
    out.write(0x00);
    return out.toByteArray();
  }
}

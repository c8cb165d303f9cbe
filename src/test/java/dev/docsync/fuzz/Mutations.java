package dev.docsync.fuzz;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Byte- and value-level mutations shared by the fuzzers. Everything depends only on the Random given. */
final class Mutations {
  private static final String BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  private static final byte[] INTERESTING = {0, 1, 0x17, 0x18, 0x1b, 0x1f, 0x40, 0x5f, 0x60, 0x7f, (byte) 0x80, (byte) 0x9f,
      (byte) 0xa0, (byte) 0xbf, (byte) 0xc0, (byte) 0xf7, (byte) 0xf9, (byte) 0xfb, (byte) 0xff};

  private Mutations() {}

  static <T> T pick(Random r, List<T> items) {
    return items.get(r.nextInt(items.size()));
  }

  // ---- bytes ----

  static byte[] flipBits(Random r, byte[] bytes, int flips) {
    byte[] out = bytes.clone();
    for (int i = 0; i < flips && out.length > 0; i++) {
      int at = r.nextInt(out.length);
      out[at] ^= (byte) (1 << r.nextInt(8));
    }
    return out;
  }

  static byte[] truncate(Random r, byte[] bytes) {
    return bytes.length <= 1 ? new byte[0] : Arrays.copyOf(bytes, r.nextInt(bytes.length));
  }

  static byte[] setInteresting(Random r, byte[] bytes) {
    byte[] out = bytes.clone();
    if (out.length > 0) {
      out[r.nextInt(out.length)] = INTERESTING[r.nextInt(INTERESTING.length)];
    }
    return out;
  }

  static byte[] insertRandom(Random r, byte[] bytes) {
    int at = bytes.length == 0 ? 0 : r.nextInt(bytes.length + 1);
    byte[] extra = FuzzCorpus.randomBytes(r, 1 + r.nextInt(8));
    return concat(Arrays.copyOf(bytes, at), extra, Arrays.copyOfRange(bytes, at, bytes.length));
  }

  static byte[] deleteRange(Random r, byte[] bytes) {
    if (bytes.length < 2) {
      return bytes.clone();
    }
    int from = r.nextInt(bytes.length);
    int to = Math.min(bytes.length, from + 1 + r.nextInt(16));
    return concat(Arrays.copyOf(bytes, from), Arrays.copyOfRange(bytes, to, bytes.length));
  }

  static byte[] duplicateRange(Random r, byte[] bytes) {
    if (bytes.length < 2) {
      return bytes.clone();
    }
    int from = r.nextInt(bytes.length);
    int to = Math.min(bytes.length, from + 1 + r.nextInt(32));
    return concat(Arrays.copyOf(bytes, to), Arrays.copyOfRange(bytes, from, bytes.length));
  }

  /** The head of one and the tail of the other. */
  static byte[] splice(Random r, byte[] a, byte[] b) {
    return concat(Arrays.copyOf(a, r.nextInt(a.length + 1)), Arrays.copyOfRange(b, r.nextInt(b.length + 1), b.length));
  }

  /** One of the byte mutations above (not splice). */
  static byte[] anyByteMutation(Random r, byte[] bytes) {
    switch (r.nextInt(6)) {
      case 0:
        return flipBits(r, bytes, 1 + r.nextInt(4));
      case 1:
        return truncate(r, bytes);
      case 2:
        return setInteresting(r, bytes);
      case 3:
        return insertRandom(r, bytes);
      case 4:
        return deleteRange(r, bytes);
      default:
        return duplicateRange(r, bytes);
    }
  }

  /** A byte mutation of a string's UTF-8 (decoded back leniently: broken sequences become U+FFFD). */
  static String anyByteMutationText(Random r, String text) {
    return new String(anyByteMutation(r, text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  // ---- values ----

  /** A string to put where an id or type is expected; never a protected document's id, never "join". */
  static String randomString(Random r, List<String> docIds) {
    switch (r.nextInt(12)) {
      case 0:
        return "";
      case 1:
        return "x".repeat(257 + r.nextInt(200)); // over the id limit
      case 2:
        return pick(r, List.of("sync", "request", "ephemeral", "peer", "error", "doc-unavailable",
            "remote-heads-changed", "remote-subscription-change", "leave", "SYNC", "1", "2", "0"));
      case 3:
        return pick(r, docIds);
      case 4:
        return "../etc/passwd";
      case 5:
        return "\u0000\u0001\uffff\ud83d\ude00 zero";
      case 6:
        return "\u00e9\u0301 \u202e rtl \ufeff bom";
      case 7:
        return "automerge:" + base58(r, 28);
      case 8:
        return "%s%n" + r.nextInt();
      default:
        return base58(r, 1 + r.nextInt(40));
    }
  }

  static String base58(Random r, int n) {
    StringBuilder s = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      s.append(BASE58.charAt(r.nextInt(BASE58.length())));
    }
    return s.toString();
  }

  /** A random value of any CBOR-able type (Jackson encodes it), nested up to {@code depth}. */
  static Object randomValue(Random r, List<String> docIds, int depth) {
    switch (r.nextInt(depth <= 0 ? 13 : 16)) {
      case 0:
        return null;
      case 1:
        return r.nextBoolean();
      case 2:
        return (long) r.nextInt(100);
      case 3:
        return r.nextLong();
      case 4:
        return -1L - r.nextInt(1_000_000);
      case 5:
        return r.nextDouble() * 1e6;
      case 6:
        return pick(r, List.of(Double.NaN, Double.POSITIVE_INFINITY, -0.0, Double.MIN_VALUE, 1e308));
      case 7:
        return BigInteger.ONE.shiftLeft(64 + r.nextInt(100)).add(BigInteger.valueOf(r.nextInt()));
      case 8:
      case 9:
        return randomString(r, docIds);
      case 10:
        return FuzzCorpus.randomBytes(r, r.nextInt(4) == 0 ? 0 : r.nextInt(64));
      case 11:
        return Long.MAX_VALUE;
      case 12:
        return Long.MIN_VALUE;
      case 13:
      case 14: {
        List<Object> list = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          list.add(randomValue(r, docIds, depth - 1));
        }
        return list;
      }
      default: {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          map.put(randomString(r, docIds), randomValue(r, docIds, depth - 1));
        }
        return map;
      }
    }
  }

  // ---- hand-made CBOR (well-formed items Jackson may or may not take) ----

  static void head(ByteArrayOutputStream out, int major, long value) {
    int m = major << 5;
    if (value >= 0 && value < 24) {
      out.write(m | (int) value);
    } else if (value >= 0 && value < 0x100) {
      out.write(m | 24);
      out.write((int) value);
    } else if (value >= 0 && value < 0x10000) {
      out.write(m | 25);
      out.write((int) (value >> 8));
      out.write((int) value);
    } else if (value >= 0 && value < 0x1_0000_0000L) {
      out.write(m | 26);
      for (int s = 24; s >= 0; s -= 8) {
        out.write((int) (value >> s));
      }
    } else {
      out.write(m | 27);
      for (int s = 56; s >= 0; s -= 8) {
        out.write((int) (value >>> s));
      }
    }
  }

  /** A well-formed CBOR item using the whole syntax: tags, indefinite lengths, half floats, simple values. */
  static void exoticItem(Random r, ByteArrayOutputStream out, int depth) {
    int kind = r.nextInt(depth <= 0 ? 8 : 12);
    switch (kind) {
      case 0 -> head(out, 0, r.nextInt(4) == 0 ? r.nextLong() & Long.MAX_VALUE : r.nextInt(70000));
      case 1 -> head(out, 1, r.nextInt(4) == 0 ? r.nextLong() & Long.MAX_VALUE : r.nextInt(70000));
      case 2 -> {
        byte[] b = FuzzCorpus.randomBytes(r, r.nextInt(20));
        head(out, 2, b.length);
        out.writeBytes(b);
      }
      case 3 -> {
        byte[] t = Mutations.randomString(r, List.of("d")).getBytes(StandardCharsets.UTF_8);
        head(out, 3, t.length);
        out.writeBytes(t);
      }
      case 4 -> { // indefinite byte or text string
        boolean text = r.nextBoolean();
        out.write(text ? 0x7f : 0x5f);
        for (int i = r.nextInt(3); i > 0; i--) {
          byte[] chunk = text ? "ab".getBytes(StandardCharsets.UTF_8) : FuzzCorpus.randomBytes(r, r.nextInt(4));
          head(out, text ? 3 : 2, chunk.length);
          out.writeBytes(chunk);
        }
        out.write(0xff);
      }
      case 5 -> out.write(pick(r, List.of(0xf4, 0xf5, 0xf6, 0xf7, 0xe0, 0xf0)));
      case 6 -> { // half, single, double floats
        int which = r.nextInt(3);
        out.write(which == 0 ? 0xf9 : which == 1 ? 0xfa : 0xfb);
        out.writeBytes(FuzzCorpus.randomBytes(r, which == 0 ? 2 : which == 1 ? 4 : 8));
      }
      case 7 -> {
        if (r.nextBoolean()) { // simple value with a one-byte extension (32..255)
          out.write(0xf8);
          out.write(32 + r.nextInt(224));
        } else { // text that is not UTF-8
          out.write(0x63);
          out.write(0xff);
          out.write(0xc3);
          out.write(0x28);
        }
      }
      case 8 -> { // tagged item
        head(out, 6, pick(r, List.of(0L, 1L, 2L, 3L, 4L, 5L, 24L, 32L, 55799L, (long) r.nextInt(100000))));
        exoticItem(r, out, depth - 1);
      }
      case 9 -> {
        int n = r.nextInt(4);
        head(out, 4, n);
        for (int i = 0; i < n; i++) {
          exoticItem(r, out, depth - 1);
        }
      }
      case 10 -> { // definite map, keys of any kind
        int n = r.nextInt(4);
        head(out, 5, n);
        for (int i = 0; i < n; i++) {
          exoticItem(r, out, 0);
          exoticItem(r, out, depth - 1);
        }
      }
      default -> { // indefinite array or map
        boolean map = r.nextBoolean();
        out.write(map ? 0xbf : 0x9f);
        for (int i = r.nextInt(3); i > 0; i--) {
          if (map) {
            exoticItem(r, out, 0);
          }
          exoticItem(r, out, depth - 1);
        }
        out.write(0xff);
      }
    }
  }

  /** Text key as CBOR. */
  static void key(ByteArrayOutputStream out, String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    head(out, 3, k.length);
    out.writeBytes(k);
  }
}

package dev.docsync.limits;

import java.util.Arrays;

/**
 * Refuses Automerge sync messages that would bring the node down inside the Automerge core
 * (automerge 0.5.7, the Rust core of org.automerge 0.0.7) before they reach it. Found by the fuzz test:
 *
 * <ul>
 *   <li>a {@code have} whose Bloom filter counts entries but has 0 bits per entry: the next
 *       {@code generateSyncMessage} for that peer divides by zero in {@code BloomFilter::get_probes};
 *       the panic cannot unwind through JNI and the JVM aborts (an 11-byte message kills the node);
 *   <li>a Bloom filter with billions of probes: {@code generateSyncMessage} allocates and loops that
 *       many times per change, a worker thread and the document are stuck.
 * </ul>
 *
 * The message is parsed as Automerge parses it (type byte, heads, need, haves) up to the end of the
 * haves; a message that does not parse that far is refused too, as Automerge would refuse it. Changes
 * are judged by {@link #scanChanges} (what they cost) in the core, on a worker thread. This guards the
 * WebSocket endpoint; the core applies the same check to every sync message it receives (upstream
 * links, event-bus peers). Thread-safe (stateless).
 */
public final class SyncMessageCheck {
  /** Automerge uses 7; anything far above is an attack. */
  static final long MAX_PROBES = 64;
  private static final int HASH_BYTES = 32;

  private SyncMessageCheck() {}

  /** Null when the message may go to Automerge; else why not (for an INVALID_SYNC_MESSAGE error). */
  public static String problem(byte[] message) {
    try {
      Reader in = new Reader(message, 0, message.length);
      int type = in.byte1();
      if (type != 0x42 && type != 0x43) {
        return "not an Automerge sync message (type byte " + type + ")";
      }
      in.hashes(); // heads
      in.hashes(); // need
      long haves = in.leb128();
      for (long h = 0; h < haves; h++) {
        in.hashes(); // lastSync
        long length = in.leb128();
        String bloom = bloom(in.slice(length));
        if (bloom != null) {
          return bloom;
        }
      }
      return null;
    } catch (IllegalArgumentException e) {
      return "not an Automerge sync message: " + e.getMessage();
    }
  }

  /**
   * How many change entries a sync message carries (the count that follows the haves; the core may
   * bundle several changes into one entry), or -1 when it does not parse that far. Lets the core tell
   * a message its peer must answer from a bare announcement.
   */
  public static long changeCount(byte[] message) {
    try {
      Reader in = new Reader(message, 0, message.length);
      in.byte1();
      in.hashes();
      in.hashes();
      long haves = in.leb128();
      for (long h = 0; h < haves; h++) {
        in.hashes();
        in.slice(in.leb128());
      }
      return in.remaining() == 0 ? 0 : in.leb128();
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  /**
   * The heads a sync message states (32-byte hashes, in message order) when it carries no change entry;
   * null when it carries changes or does not parse. Lets the core tell a bare announcement of heads,
   * which Automerge records as the heads last sent to that peer when they equal the document's own,
   * from any other message.
   */
  public static byte[][] headsIfBare(byte[] message) {
    return headsIfBare(message, false);
  }

  /**
   * As {@link #headsIfBare(byte[])}, and with {@code needNothing} null also when the message asks for
   * changes by hash ({@code need}).
   */
  public static byte[][] headsIfBare(byte[] message, boolean needNothing) {
    try {
      Reader in = new Reader(message, 0, message.length);
      in.byte1();
      int headsAt = in.pos;
      long count = in.leb128();
      int hashesAt = in.pos;
      in.pos = headsAt;
      in.hashes();
      int needAt = in.pos;
      in.hashes();
      if (needNothing && message[needAt] != 0) {
        return null;
      }
      long haves = in.leb128();
      for (long h = 0; h < haves; h++) {
        in.hashes();
        in.slice(in.leb128());
      }
      if (in.remaining() != 0 && in.leb128() != 0) {
        return null;
      }
      byte[][] heads = new byte[(int) count][];
      for (int i = 0; i < count; i++) {
        heads[i] = Arrays.copyOfRange(message, hashesAt + i * HASH_BYTES, hashesAt + (i + 1) * HASH_BYTES);
      }
      return heads;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * True when the message comes from a peer that holds nothing of the document (no heads, no last sync in any
   * have, asks for nothing, carries nothing) and says it reads version-2 messages (capability 2, appended after
   * the changes). Such a peer is sent the whole document in one compressed message by the Automerge core itself
   * ({@code send_doc} in automerge 0.5.7's sync.rs); docsync can send it the stored one without loading it.
   */
  public static boolean fromEmptyPeerTakingDocuments(byte[] message) {
    try {
      Reader in = new Reader(message, 0, message.length);
      int type = in.byte1();
      if ((type != 0x42 && type != 0x43) || in.leb128() != 0 || in.leb128() != 0) {
        return false; // heads or need
      }
      long haves = in.leb128();
      for (long h = 0; h < haves; h++) {
        if (in.leb128() != 0) {
          return false; // a last sync: it had something once
        }
        in.slice(in.leb128());
      }
      if (in.remaining() == 0 || in.leb128() != 0 || in.remaining() == 0) {
        return false; // changes, or no capabilities
      }
      Reader capabilities = in.slice(in.leb128());
      while (capabilities.remaining() > 0) {
        if (capabilities.byte1() == 0x02) {
          return true;
        }
      }
      return false;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Scans the changes a sync message carries (each entry holds one or more chunks), so that what
   * they will cost the core is known before it receives them. Throws IllegalArgumentException when
   * the message does not parse, ChunkScan.TooLarge when its compressed parts inflate past the budget.
   */
  public static ChunkScan scanChanges(byte[] message, long maxInflatedBytes) {
    Reader in = new Reader(message, 0, message.length);
    in.byte1();
    in.hashes();
    in.hashes();
    long haves = in.leb128();
    for (long h = 0; h < haves; h++) {
      in.hashes();
      in.slice(in.leb128());
    }
    ChunkScan scan = new ChunkScan(maxInflatedBytes);
    long entries = in.remaining() == 0 ? 0 : in.leb128();
    for (long e = 0; e < entries; e++) {
      Reader entry = in.slice(in.leb128());
      if (entry.remaining() > 0) {
        scan.add(message, entry.pos, entry.end);
      }
    }
    return scan;
  }

  private static String bloom(Reader bloom) {
    if (bloom.remaining() == 0) {
      return null; // the empty filter
    }
    long entries = bloom.leb128u32();
    long bitsPerEntry = bloom.leb128u32();
    long probes = bloom.leb128u32();
    if (entries == 0) {
      return null; // never probed
    }
    if (bitsPerEntry == 0) {
      return "Bloom filter with " + entries + " entries and 0 bits";
    }
    if (probes > MAX_PROBES) {
      return "Bloom filter with " + probes + " probes (at most " + MAX_PROBES + ")";
    }
    long bytes = (long) Math.ceil(entries * (double) bitsPerEntry / 8);
    if (bytes >= 1L << 28) {
      return "Bloom filter of " + bytes + " bytes";
    }
    return null;
  }

  /** Automerge's parse rules: LEB128 without overlong encodings, counts followed by that many items. */
  private static final class Reader {
    private final byte[] bytes;
    private int pos;
    private final int end;

    Reader(byte[] bytes, int from, int end) {
      this.bytes = bytes;
      this.pos = from;
      this.end = end;
    }

    int remaining() {
      return end - pos;
    }

    int byte1() {
      if (pos >= end) {
        throw new IllegalArgumentException("not enough input");
      }
      return bytes[pos++] & 0xff;
    }

    long leb128() {
      long result = 0;
      int shift = 0;
      while (true) {
        int b = byte1();
        if (shift == 63 && (b & 0x7f) > 1 || shift > 63) {
          throw new IllegalArgumentException("LEB128 too large");
        }
        result |= (long) (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          if (shift > 7 && b == 0) {
            throw new IllegalArgumentException("overlong LEB128");
          }
          return result;
        }
      }
    }

    long leb128u32() {
      long value = leb128();
      if (value < 0 || value > 0xffff_ffffL) {
        throw new IllegalArgumentException("LEB128 too large for 32 bits");
      }
      return value;
    }

    void hashes() {
      long count = leb128();
      if (count < 0 || count > remaining() / HASH_BYTES) {
        throw new IllegalArgumentException("not enough input for " + count + " hashes");
      }
      pos += (int) count * HASH_BYTES;
    }

    Reader slice(long length) {
      if (length < 0 || length > remaining()) {
        throw new IllegalArgumentException("not enough input");
      }
      Reader part = new Reader(bytes, pos, pos + (int) length);
      pos += (int) length;
      return part;
    }
  }
}

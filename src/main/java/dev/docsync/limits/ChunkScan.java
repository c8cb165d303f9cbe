package dev.docsync.limits;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * What Automerge chunks (document, change and compressed change, as in a LOCAL_CHANGE or a sync
 * message's change entries) will cost the core, read from the binary format before the core sees
 * them: operations, changes, value bytes, and each change's hash and dependencies. The core's work
 * and memory grow with the operations, and run-length encoded columns let a few bytes announce
 * billions of them; so a chunk's operations are the most rows any of its op columns holds.
 * Compressed chunks and columns are inflated within a byte budget (a decompression bomb is
 * refused, not inflated). Malformed framing throws IllegalArgumentException. Not thread-safe.
 */
public final class ChunkScan {
  private static final byte[] MAGIC = {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83};
  private static final int DOCUMENT = 0;
  private static final int CHANGE = 1;
  private static final int COMPRESSED_CHANGE = 2;
  private static final int HASH_BYTES = 32;
  private static final int DEFLATE_BIT = 0x08;
  private static final int VALUE_TYPE = 7;
  private static final int BOOLEAN_TYPE = 4;
  private static final int STRING_TYPE = 5;
  private static final int DELTA_TYPE = 3;

  /** Thrown when inflating would pass the byte budget. */
  public static final class TooLarge extends RuntimeException {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /** A change chunk: its hash and the hashes it depends on. */
  public record Change(byte[] hash, List<byte[]> deps) {}

  private final long maxInflatedBytes;
  private long inflated;
  private long ops;
  private long changes;
  private long valueBytes;
  private boolean documents;
  private final List<Change> changeList = new ArrayList<>();
  private final List<byte[]> documentHeads = new ArrayList<>();

  /** @param maxInflatedBytes most bytes all compressed parts together may inflate to */
  public ChunkScan(long maxInflatedBytes) {
    this.maxInflatedBytes = maxInflatedBytes;
  }

  public static ChunkScan of(byte[] bytes, long maxInflatedBytes) {
    ChunkScan scan = new ChunkScan(maxInflatedBytes);
    scan.add(bytes, 0, bytes.length);
    return scan;
  }

  /** Scans the concatenated chunks in {@code bytes[from, to)}. */
  public ChunkScan add(byte[] bytes, int from, int to) {
    Cursor in = new Cursor(bytes, from, to);
    if (in.remaining() == 0) {
      throw new IllegalArgumentException("no chunk");
    }
    while (in.remaining() > 0) {
      chunk(in);
    }
    return this;
  }

  /** Operations: for each chunk the most rows of any of its op columns, summed (saturating). */
  public long ops() {
    return ops;
  }

  public long changes() {
    return changes;
  }

  /** Bytes of raw values (strings, bytes, numbers) once inflated. */
  public long valueBytes() {
    return valueBytes;
  }

  /** Whether some chunk is a whole document (causally complete, so it has no dependencies to check). */
  public boolean hasDocuments() {
    return documents;
  }

  /** The change chunks, in order. */
  public List<Change> changeList() {
    return changeList;
  }

  /** The heads stated by the document chunks, in order. */
  public List<byte[]> documentHeads() {
    return documentHeads;
  }

  private void chunk(Cursor in) {
    int start = in.pos;
    for (byte b : MAGIC) {
      if (in.byte1() != (b & 0xff)) {
        throw new IllegalArgumentException("not an Automerge chunk at byte " + start);
      }
    }
    byte[] checksum = in.take(4);
    int type = in.byte1();
    int length = in.length();
    Cursor body = in.slice(length);
    switch (type) {
      case DOCUMENT -> document(body);
      case CHANGE -> change(body, checksum);
      case COMPRESSED_CHANGE -> {
        byte[] plain = inflate(body.bytes, body.pos, body.end);
        change(new Cursor(plain, 0, plain.length), checksum);
      }
      default -> throw new IllegalArgumentException("unknown chunk type " + type);
    }
  }

  private void change(Cursor body, byte[] checksum) {
    byte[] hash = hash(body);
    if (!Arrays.equals(checksum, 0, 4, hash, 0, 4)) {
      throw new IllegalArgumentException("change checksum does not match its contents");
    }
    List<byte[]> deps = new ArrayList<>();
    long depCount = body.count(HASH_BYTES);
    for (long i = 0; i < depCount; i++) {
      deps.add(body.take(HASH_BYTES));
    }
    body.slice(body.length()); // actor
    body.leb(); // seq
    body.leb(); // start op
    body.signedLeb(); // time
    body.slice(body.length()); // message
    long others = body.count(1);
    for (long i = 0; i < others; i++) {
      body.slice(body.length());
    }
    long[][] meta = columnsMeta(body);
    ops = saturatedAdd(ops, columns(meta, body, true));
    changes = saturatedAdd(changes, 1);
    changeList.add(new Change(hash, deps));
  }

  private void document(Cursor body) {
    documents = true;
    long actors = body.count(1);
    for (long i = 0; i < actors; i++) {
      body.slice(body.length());
    }
    long heads = body.count(HASH_BYTES);
    for (long i = 0; i < heads; i++) {
      documentHeads.add(body.take(HASH_BYTES));
    }
    long[][] changeMeta = columnsMeta(body);
    long[][] opMeta = columnsMeta(body);
    changes = saturatedAdd(changes, columns(changeMeta, body, false));
    ops = saturatedAdd(ops, columns(opMeta, body, true));
  }

  /** {spec, length} of each column. */
  private static long[][] columnsMeta(Cursor in) {
    long count = in.count(2);
    long[][] meta = new long[(int) count][];
    for (int i = 0; i < count; i++) {
      meta[i] = new long[] {in.leb(), in.leb()};
    }
    return meta;
  }

  /** The most rows of any column; raw value columns add to the value bytes. */
  private long columns(long[][] meta, Cursor in, boolean opColumns) {
    long rows = 0;
    for (long[] column : meta) {
      int spec = (int) column[0];
      Cursor data = in.slice(column[1]);
      if ((spec & DEFLATE_BIT) != 0) {
        byte[] plain = inflate(data.bytes, data.pos, data.end);
        data = new Cursor(plain, 0, plain.length);
      }
      int type = spec & 0x07;
      if (type == VALUE_TYPE) {
        if (opColumns) {
          valueBytes = saturatedAdd(valueBytes, data.remaining());
        }
      } else {
        rows = Math.max(rows, type == BOOLEAN_TYPE ? booleanRows(data) : rleRows(data, type));
      }
    }
    return rows;
  }

  /** Alternating run lengths. */
  private static long booleanRows(Cursor in) {
    long rows = 0;
    while (in.remaining() > 0) {
      rows = saturatedAdd(rows, in.leb());
    }
    return rows;
  }

  /** Runs: n > 0 repeats one value n times, n < 0 lists -n values, 0 is followed by a count of nulls. */
  private static long rleRows(Cursor in, int type) {
    long rows = 0;
    while (in.remaining() > 0) {
      long n = in.signedLeb();
      if (n > 0) {
        rows = saturatedAdd(rows, n);
        skipValue(in, type);
      } else if (n < 0) {
        if (n == Long.MIN_VALUE || -n > in.remaining()) {
          throw new IllegalArgumentException("literal run longer than its column");
        }
        rows = saturatedAdd(rows, -n);
        for (long i = 0; i < -n; i++) {
          skipValue(in, type);
        }
      } else {
        rows = saturatedAdd(rows, in.leb());
      }
    }
    return rows;
  }

  private static void skipValue(Cursor in, int type) {
    if (type == STRING_TYPE) {
      in.slice(in.length());
    } else if (type == DELTA_TYPE) {
      in.signedLeb();
    } else {
      in.leb();
    }
  }

  private byte[] inflate(byte[] bytes, int from, int to) {
    Inflater inflater = new Inflater(true);
    inflater.setInput(bytes, from, to - from);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalArgumentException("truncated compressed data");
        }
        inflated += n;
        if (inflated > maxInflatedBytes) {
          throw new TooLarge("compressed parts inflate to more than " + maxInflatedBytes + " bytes");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("bad compressed data: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  /** A change's hash: SHA-256 of the chunk type, the body length and the (uncompressed) body. */
  private static byte[] hash(Cursor body) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((byte) CHANGE);
      long n = body.remaining();
      do {
        int b = (int) (n & 0x7f);
        n >>>= 7;
        sha.update((byte) (n == 0 ? b : b | 0x80));
      } while (n != 0);
      sha.update(body.bytes, body.pos, body.remaining());
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return b < 0 || sum < a ? Long.MAX_VALUE : sum;
  }

  /** Reads LEB128 and length-prefixed parts of {@code bytes[pos, end)}. */
  private static final class Cursor {
    final byte[] bytes;
    int pos;
    final int end;

    Cursor(byte[] bytes, int pos, int end) {
      this.bytes = bytes;
      this.pos = pos;
      this.end = end;
    }

    int remaining() {
      return end - pos;
    }

    int byte1() {
      if (pos >= end) {
        throw new IllegalArgumentException("truncated");
      }
      return bytes[pos++] & 0xff;
    }

    byte[] take(int n) {
      skip(n);
      return Arrays.copyOfRange(bytes, pos - n, pos);
    }

    void skip(long n) {
      if (n < 0 || n > remaining()) {
        throw new IllegalArgumentException("truncated");
      }
      pos += (int) n;
    }

    Cursor slice(long n) {
      int from = pos;
      skip(n);
      return new Cursor(bytes, from, pos);
    }

    /** A length that must fit in what is left. */
    int length() {
      long n = leb();
      if (n > remaining()) {
        throw new IllegalArgumentException("length " + n + " beyond the end");
      }
      return (int) n;
    }

    /** A count of items of at least {@code minBytes} each: at most what is left can hold. */
    long count(int minBytes) {
      long n = leb();
      if (n > remaining() / minBytes) {
        throw new IllegalArgumentException("count " + n + " beyond the end");
      }
      return n;
    }

    /** Unsigned; values past Long.MAX_VALUE saturate (they are counts, and too large either way). */
    long leb() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = byte1();
        if (shift == 63 && (b & 0x7f) > 1) {
          throw new IllegalArgumentException("LEB128 too large");
        }
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value < 0 ? Long.MAX_VALUE : value;
        }
      }
      throw new IllegalArgumentException("LEB128 too long");
    }

    long signedLeb() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = byte1();
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return shift + 7 < 64 && (b & 0x40) != 0 ? value | (-1L << (shift + 7)) : value;
        }
      }
      throw new IllegalArgumentException("LEB128 too long");
    }
  }
}

package dev.docsync.limits;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * Automerge change chunks written by hand, as an attacker would: valid framing and checksum, with
 * run-length encoded columns that announce as many operations as wanted in a hundred bytes.
 */
public final class ForgedChanges {
  private ForgedChanges() {}

  /**
   * A change inserting {@code count} nulls at the head of the list created by op 1 of {@code actor}
   * (in its change {@code parent}, seq 1): what Automerge itself writes (checked by ChunkScanTest),
   * whatever the count, in about a hundred bytes.
   */
  public static byte[] nullInserts(byte[] parent, byte[] actor, long count) {
    return inserts(parent, actor, count, 0x00, new byte[0]);
  }

  /**
   * A change typing {@code count} characters (a-z) at the start of the text created by op 1 of
   * {@code actor} (in its change {@code parent}, seq 1): a paste, as Automerge writes it, in a few
   * milliseconds instead of the seconds Automerge takes to make it.
   */
  public static byte[] textInserts(byte[] parent, byte[] actor, int count) {
    byte[] text = new byte[count];
    for (int i = 0; i < count; i++) {
      text[i] = (byte) ('a' + i % 26);
    }
    return inserts(parent, actor, count, 0x16, text); // value: a 1-byte string
  }

  private static byte[] inserts(byte[] parent, byte[] actor, long count, int valueMeta, byte[] values) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    uleb(body, 1);
    body.writeBytes(parent);
    uleb(body, actor.length);
    body.writeBytes(actor);
    uleb(body, 2); // seq
    uleb(body, 2); // start op
    sleb(body, 0); // time
    uleb(body, 0); // message
    uleb(body, 0); // other actors
    byte[][] columns = {
        run(count, 0), // obj actor
        run(count, 1), // obj counter
        concat(nullRun(1), run(count - 1, 0)), // key actor: HEAD, then our own ops
        concat(literal(0, 2), srun(count - 2, 1)), // key counter, delta: HEAD, op 2, +1 each
        concat(uleb(0), uleb(count)), // insert: 0 false, count true
        run(count, 1), // action: set
        run(count, valueMeta), // value type and length
        values, // raw values
        run(count, 0), // pred: none
    };
    int[] specs = {0x01, 0x02, 0x11, 0x13, 0x34, 0x42, 0x56, 0x57, 0x70};
    uleb(body, columns.length);
    for (int i = 0; i < columns.length; i++) {
      uleb(body, specs[i]);
      uleb(body, columns[i].length);
    }
    Arrays.stream(columns).forEach(body::writeBytes);
    return chunk(1, body.toByteArray(), body.toByteArray());
  }

  /** A compressed change chunk whose body inflates to {@code inflated} zero bytes (a decompression bomb). */
  public static byte[] deflateBomb(int inflated) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(new byte[inflated]);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[65536];
    while (!deflater.finished()) {
      out.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return chunk(2, out.toByteArray(), new byte[inflated]);
  }

  /** The same change as a compressed chunk (type 2), as automerge writes large changes in storage. */
  public static byte[] compress(byte[] change) {
    int pos = 9;
    while ((change[pos] & 0x80) != 0) {
      pos++;
    }
    byte[] body = Arrays.copyOfRange(change, pos + 1, change.length);
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    deflater.setInput(body);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[65536];
    while (!deflater.finished()) {
      out.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return chunk(2, out.toByteArray(), body);
  }

  /** Framing: magic, checksum (of the uncompressed change), type, length, body. */
  static byte[] chunk(int type, byte[] body, byte[] plainBody) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((byte) 1);
      sha.update(uleb(plainBody.length));
      byte[] hash = sha.digest(plainBody);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(new byte[] {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83});
      out.write(hash, 0, 4);
      out.write(type);
      uleb(out, body.length);
      out.writeBytes(body);
      return out.toByteArray();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] run(long count, long value) {
    return concat(sleb(count), uleb(value));
  }

  private static byte[] srun(long count, long value) {
    return concat(sleb(count), sleb(value));
  }

  private static byte[] nullRun(long count) {
    return concat(sleb(0), uleb(count));
  }

  private static byte[] literal(long... values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sleb(out, -values.length);
    for (long v : values) {
      sleb(out, v);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static byte[] uleb(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    uleb(out, value);
    return out.toByteArray();
  }

  private static byte[] sleb(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sleb(out, value);
    return out.toByteArray();
  }

  private static void uleb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }

  private static void sleb(ByteArrayOutputStream out, long value) {
    while (true) {
      int b = (int) (value & 0x7f);
      value >>= 7;
      if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0)) {
        out.write(b);
        return;
      }
      out.write(b | 0x80);
    }
  }
}

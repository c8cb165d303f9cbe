package dev.docsync.doc;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.automerge.ChangeHash;

/**
 * Hashes of the change chunks in encoded changes. The 0.0.7 binding cannot tell "already have it"
 * from "missing its dependencies" (both leave the heads unchanged) and has no hash-of-change call,
 * so we read the chunk framing of the Automerge binary format: magic, checksum, type, LEB128 length.
 * A change's hash is the SHA-256 of type, length and (uncompressed) body.
 */
final class ChangeChunks {
  private static final int[] MAGIC = {0x85, 0x6f, 0x4a, 0x83};
  private static final int CHANGE = 1;
  private static final int COMPRESSED_CHANGE = 2;

  private ChangeChunks() {}

  /** How many chunks the bytes hold, by their framing alone. */
  static int count(byte[] bytes) {
    int count = 0;
    int pos = 0;
    while (pos + 9 < bytes.length) {
      long[] length = leb128(bytes, pos + 9);
      pos = Math.addExact((int) length[1], Math.toIntExact(length[0]));
      count++;
    }
    return count;
  }

  /** The hashes of every change chunk; throws IllegalArgumentException when the framing is wrong. */
  static ChangeHash[] hashes(byte[] bytes) {
    List<ChangeHash> hashes = new ArrayList<>();
    int pos = 0;
    while (pos < bytes.length) {
      for (int i = 0; i < MAGIC.length; i++) {
        if (pos + i >= bytes.length || (bytes[pos + i] & 0xff) != MAGIC[i]) {
          throw new IllegalArgumentException("not an Automerge chunk at byte " + pos);
        }
      }
      int type = bytes[pos + 8] & 0xff;
      long[] length = leb128(bytes, pos + 9);
      int bodyStart = (int) length[1];
      int bodyEnd = Math.addExact(bodyStart, Math.toIntExact(length[0]));
      if (bodyEnd > bytes.length) {
        throw new IllegalArgumentException("truncated chunk");
      }
      byte[] body = java.util.Arrays.copyOfRange(bytes, bodyStart, bodyEnd);
      if (type == CHANGE) {
        hashes.add(hash(body));
      } else if (type == COMPRESSED_CHANGE) {
        hashes.add(hash(inflate(body)));
      } else {
        throw new IllegalArgumentException("chunk type " + type + " is not a change");
      }
      pos = bodyEnd;
    }
    return hashes.toArray(new ChangeHash[0]);
  }

  private static ChangeHash hash(byte[] body) {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    header.write(CHANGE);
    long n = body.length;
    do {
      int b = (int) (n & 0x7f);
      n >>>= 7;
      header.write(n == 0 ? b : b | 0x80);
    } while (n != 0);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(header.toByteArray());
      return new ChangeHash(sha.digest(body)) {};
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns {value, position after it}. */
  private static long[] leb128(byte[] bytes, int pos) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= bytes.length) {
        throw new IllegalArgumentException("truncated length");
      }
      int b = bytes[pos++] & 0xff;
      value |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return new long[] {value, pos};
      }
    }
    throw new IllegalArgumentException("length too long");
  }

  private static byte[] inflate(byte[] body) {
    Inflater inflater = new Inflater(true);
    inflater.setInput(body);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(buffer);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalArgumentException("truncated compressed change");
        }
        out.write(buffer, 0, n);
      }
      return out.toByteArray();
    } catch (DataFormatException e) {
      throw new IllegalArgumentException("bad compressed change", e);
    } finally {
      inflater.end();
    }
  }
}

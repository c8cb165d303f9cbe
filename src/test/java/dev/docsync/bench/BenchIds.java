package dev.docsync.bench;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;

/** automerge-repo identifiers: DocumentId = base58btc(uuid[16] ‖ sha256(sha256(uuid))[0..4]). */
final class BenchIds {
  private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();

  private BenchIds() {}

  /** A fresh random DocumentId, as {@code Repo.create()} makes one. */
  static String documentId() {
    UUID uuid = UUID.randomUUID();
    byte[] payload = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    byte[] check = sha256(sha256(payload));
    byte[] all = Arrays.copyOf(payload, 20);
    System.arraycopy(check, 0, all, 16, 4);
    return base58(all);
  }

  static String base58(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    BigInteger n = new BigInteger(1, bytes);
    BigInteger base = BigInteger.valueOf(58);
    while (n.signum() > 0) {
      BigInteger[] qr = n.divideAndRemainder(base);
      out.append(ALPHABET[qr[1].intValue()]);
      n = qr[0];
    }
    for (int i = 0; i < bytes.length && bytes[i] == 0; i++) {
      out.append(ALPHABET[0]);
    }
    return out.reverse().toString();
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.docsync.client;

import dev.docsync.protocol.DocId;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;

/**
 * automerge-repo document ids: {@code base58btc(uuid[16] ‖ sha256(sha256(uuid))[0..4])}, as {@code Repo.create()}
 * makes them, so that JS clients accept the ids this client creates; and {@code automerge:} URLs.
 */
public final class DocumentIds {
  public static final String URL_PREFIX = DocId.AUTOMERGE_URL_PREFIX;
  private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();

  private DocumentIds() {}

  /** A fresh random document id. */
  public static String generate() {
    UUID uuid = UUID.randomUUID();
    byte[] payload = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits()).array();
    byte[] check = sha256(sha256(payload));
    byte[] all = Arrays.copyOf(payload, 20);
    System.arraycopy(check, 0, all, 16, 4);
    return base58(all);
  }

  /**
   * The document id of a docId or an {@code automerge:} URL (heads after {@code #} are dropped: only the id
   * travels on the wire). Throws {@link IllegalArgumentException} for anything that is not a document id.
   */
  public static String parse(String docIdOrUrl) {
    if (docIdOrUrl == null) {
      throw new IllegalArgumentException("no document id");
    }
    String id = docIdOrUrl.trim();
    if (id.startsWith(URL_PREFIX)) {
      id = id.substring(URL_PREFIX.length());
      int hash = id.indexOf('#');
      id = hash < 0 ? id : id.substring(0, hash);
    }
    if (!DocId.valid(id)) {
      throw new IllegalArgumentException("not a document id nor an automerge: URL: '" + abbreviate(docIdOrUrl) + "'");
    }
    return id;
  }

  public static String url(String docId) {
    return URL_PREFIX + docId;
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  private static String base58(byte[] bytes) {
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

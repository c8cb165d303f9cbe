package dev.docsync.protocol;

import java.util.Base64;

/** Binary payloads travel as standard base64 (RFC 4648 section 4) in JSON bodies. */
public final class Base64s {
  private Base64s() {}

  public static String encode(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Decodes standard or URL-safe base64, padding optional. */
  public static byte[] decode(String text, String field) {
    try {
      String normalized = text.indexOf('-') >= 0 || text.indexOf('_') >= 0
          ? text.replace('-', '+').replace('_', '/')
          : text;
      return Base64.getDecoder().decode(normalized);
    } catch (IllegalArgumentException e) {
      throw new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field '" + field + "' is not base64");
    }
  }
}

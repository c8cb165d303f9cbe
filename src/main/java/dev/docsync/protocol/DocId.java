package dev.docsync.protocol;

import java.util.regex.Pattern;

/**
 * The id of a document. Accepts automerge-repo ids (base58) and any other simple name:
 * 1 to 128 characters of letters, digits and {@code . _ : ~ -}, starting with a letter or digit.
 */
public record DocId(String value) {
  public static final int MAX_LENGTH = 128;
  public static final String AUTOMERGE_URL_PREFIX = "automerge:";
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}");

  public DocId {
    if (!valid(value)) {
      throw new DocsyncException(ErrorCode.INVALID_DOC_ID,
          "docId must be 1-128 characters of [A-Za-z0-9._:~-] starting with a letter or digit");
    }
  }

  /** Whether {@code value} is a document id; cheap for any length (checked before anything else looks at an id). */
  public static boolean valid(String value) {
    return value != null && value.length() <= MAX_LENGTH && VALID.matcher(value).matches();
  }

  /** The docId of an automerge-repo URL ({@code automerge:<docId>}); anything else as it is. */
  public static String fromUrlOrId(String value) {
    return value != null && value.startsWith(AUTOMERGE_URL_PREFIX) ? value.substring(AUTOMERGE_URL_PREFIX.length()) : value;
  }

  @Override
  public String toString() {
    return value;
  }
}

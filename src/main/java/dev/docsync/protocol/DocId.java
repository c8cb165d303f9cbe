package dev.docsync.protocol;

import java.util.regex.Pattern;

/**
 * The id of a document. Accepts automerge-repo ids (base58) and any other simple name:
 * 1 to 128 characters of letters, digits and {@code . _ : ~ -}, starting with a letter or digit.
 */
public record DocId(String value) {
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}");

  public DocId {
    if (value == null || !VALID.matcher(value).matches()) {
      throw new DocsyncException(ErrorCode.INVALID_DOC_ID,
          "docId must be 1-128 characters of [A-Za-z0-9._:~-] starting with a letter or digit");
    }
  }

  @Override
  public String toString() {
    return value;
  }
}

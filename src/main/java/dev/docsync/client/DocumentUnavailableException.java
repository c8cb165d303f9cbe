package dev.docsync.client;

/** {@link DocsyncClient#find} failed: the server does not have the document, or the token does not open it. */
public final class DocumentUnavailableException extends RuntimeException {
  private final String documentId;

  DocumentUnavailableException(String documentId, String message) {
    super(message, null, false, false);
    this.documentId = documentId;
  }

  public String documentId() {
    return documentId;
  }
}

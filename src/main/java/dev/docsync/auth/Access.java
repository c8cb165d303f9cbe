package dev.docsync.auth;

/** What a client may do with one document. WRITE includes READ. */
public enum Access {
  NONE, READ, WRITE;

  public boolean canRead() {
    return this != NONE;
  }

  public boolean canWrite() {
    return this == WRITE;
  }
}

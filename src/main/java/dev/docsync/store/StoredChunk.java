package dev.docsync.store;

/** One stored piece of a document: a snapshot or an incremental chunk of changes. */
public record StoredChunk(long id, Kind kind, byte[] data) {
  public enum Kind {
    SNAPSHOT, INCREMENTAL;

    public short code() {
      return (short) ordinal();
    }

    public static Kind of(int code) {
      return values()[code];
    }
  }
}

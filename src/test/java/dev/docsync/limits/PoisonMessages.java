package dev.docsync.limits;

/** Automerge sync messages that take the Automerge 0.5.7 core down (see SyncMessageCheck). */
public final class PoisonMessages {
  /** type, heads [], need [], haves [{lastSync [], bloom {1 entry, 0 bits per entry, 7 probes}}], changes []. */
  public static final byte[] ZERO_BITS = {0x42, 0, 0, 1, 0, 3, 1, 0, 7, 0};
  /** ... bloom {1 entry, 10 bits per entry (2 bytes of bits), 2^32-1 probes}. */
  public static final byte[] BILLIONS_OF_PROBES =
      {0x42, 0, 0, 1, 0, 9, 1, 10, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 0, 0, 0};

  private PoisonMessages() {}
}

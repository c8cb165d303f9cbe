package dev.docsync.chat;

/** Event-bus addresses of chat (see docs/event-bus.md). */
public final class ChatAddresses {
  /** Requests: SEND, HISTORY. */
  public static final String REQUESTS = "docsync.chat";

  private static final String EVENTS_PREFIX = "docsync.chat.";

  private ChatAddresses() {}

  /** Where every stored message of a document is published. */
  public static String events(String docId) {
    return EVENTS_PREFIX + docId;
  }
}

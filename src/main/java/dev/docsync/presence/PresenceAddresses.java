package dev.docsync.presence;

/** Event-bus addresses of presence (see docs/event-bus.md). */
public final class PresenceAddresses {
  /** Requests: UPDATE, HEARTBEAT, LEAVE, LIST. */
  public static final String REQUESTS = "docsync.presence";
  private static final String NODE_PREFIX = "docsync.presence.node.";

  /** The presence service of one node: requests for the documents placed on it, passed on by other nodes. */
  public static String node(String nodeId) {
    return NODE_PREFIX + nodeId;
  }

  private static final String EVENTS_PREFIX = "docsync.presence.";

  private PresenceAddresses() {}

  /** Where join, update and leave events of one document's participants are published. */
  public static String events(String docId) {
    return EVENTS_PREFIX + docId;
  }
}

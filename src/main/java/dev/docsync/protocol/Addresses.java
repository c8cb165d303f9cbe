package dev.docsync.protocol;

/** Event-bus addresses of the docsync API (see docs/event-bus.md). */
public final class Addresses {
  /** Requests from frontends: OPEN, LOCAL_CHANGE, CLOSE. */
  public static final String FRONTEND = "docsync.frontend";
  /** Requests from sync peers: HELLO, SYNC, BYE. */
  public static final String PEER = "docsync.peer";
  /** Operators' requests (LIST, DELETE): in-JVM and through the admin REST routes only, never bridged. */
  public static final String ADMIN = "docsync.admin";

  /** Server events (documents loaded/unloaded/compacted/deleted, changes stored, input rejected, connections). */
  public static final String EVENTS = "docsync.events";

  private static final String CHANGES_PREFIX = "docsync.changes.";
  private static final String NODE_PREFIX = "docsync.node.";
  private static final String SHARD_PREFIX = "docsync.shard.";
  private static final String EPHEMERAL_PREFIX = "docsync.ws.ephemeral.";
  private static final String PEER_OUT_PREFIX = "docsync.peer.out.";

  private Addresses() {}

  /** Where every applied change of a document is published for its frontends. */
  public static String changes(String docId) {
    return CHANGES_PREFIX + docId;
  }

  /**
   * Where the ephemeral messages of a document travel between its WebSocket peers (on this node or another);
   * presence listens and speaks there too. Never stored.
   */
  public static String ephemeral(String docId) {
    return EPHEMERAL_PREFIX + docId;
  }

  /**
   * A node's document inbox: requests routed to the documents it owns, from routers on other nodes. Internal: the
   * body is the request as sent to {@link #FRONTEND}, {@link #PEER} or {@link #ADMIN}, header {@code docsync-api}
   * says which.
   */
  public static String nodeInbox(String nodeId) {
    return NODE_PREFIX + nodeId;
  }

  /** One document shard of a node (a worker verticle on its own event loop); a node-local address. */
  public static String shard(String nodeId, int index) {
    return SHARD_PREFIX + nodeId + "." + index;
  }

  /** Default address where a peer receives its outgoing sync messages. */
  public static String peerOutbox(String peerId) {
    return PEER_OUT_PREFIX + peerId;
  }
}

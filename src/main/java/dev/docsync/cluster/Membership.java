package dev.docsync.cluster;

import io.vertx.core.Vertx;
import java.util.List;

/**
 * Who is in the cluster, as this node sees it: a hint for placing documents, never the authority on who owns one
 * (that is the PostgreSQL lease, see {@code store.DocumentStore}).
 */
public interface Membership {
  /** This node's id: its Vert.x cluster node id, or a random id when it runs alone. */
  String nodeId();

  /** Ids of the live members that own documents (this node included when it does), in a stable order. */
  List<String> documentOwners();

  /** Ids of every live member, document owners and client-only members alike. */
  List<String> members();

  /** True when this node is part of a Vert.x cluster. */
  boolean clustered();

  /** Called on the caller's context whenever the members change. */
  void onChange(Runnable listener);

  /** Stops following the cluster: listeners are no longer called. */
  default void close() {
    // Nothing to stop by default.
  }

  /** This Vert.x's membership: the Hazelcast cluster's when it is clustered, else a node alone. */
  static Membership of(Vertx vertx) {
    return vertx.isClustered() ? HazelcastMembership.of(vertx) : standalone();
  }

  /** A node alone: it owns every document. */
  static Membership standalone() {
    return new Standalone();
  }
}

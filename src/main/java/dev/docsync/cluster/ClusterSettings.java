package dev.docsync.cluster;

import java.util.List;

/**
 * How a node joins the cluster (DOCSYNC_CLUSTER_*).
 *
 * @param enabled the node joins a cluster; false: it runs alone and owns every document
 * @param host address this node binds Hazelcast and the event bus to, and that the other members reach it at
 * @param port Hazelcast's port
 * @param members every member's Hazelcast {@code host:port}; may include this node's own, so one list serves all nodes
 * @param name the cluster's name: members with another name never join this one
 * @param busPort the clustered event bus's port; 0 picks a free one (members learn it through Hazelcast)
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members, String name, int busPort) {
  public ClusterSettings {
    members = List.copyOf(members);
  }

  /** This node's Hazelcast address, as it appears in {@link #members()}. */
  public String address() {
    return host + ":" + port;
  }
}

package dev.docsync.cluster;

import java.util.List;
import java.util.UUID;

/** A node that is not clustered: one member, which owns every document. A new id per start, like a cluster node's. */
final class Standalone implements Membership {
  private final String nodeId = UUID.randomUUID().toString();

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public List<String> documentOwners() {
    return List.of(nodeId);
  }

  @Override
  public List<String> members() {
    return List.of(nodeId);
  }

  @Override
  public boolean clustered() {
    return false;
  }

  @Override
  public void onChange(Runnable listener) {
    // Nothing ever changes.
  }
}

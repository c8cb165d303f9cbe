package dev.docsync.testing;

import dev.docsync.cluster.Membership;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A node's view of the cluster as a test sets it: several docsync nodes deployed on ONE Vert.x event bus behave
 * as a cluster (cluster-wide addresses have a consumer on each), and a test decides who each believes is alive
 * (a node it no longer lists is, to it, dead: a paused or partitioned node in one line).
 */
public final class StaticMembership implements Membership {
  private final String nodeId;
  private volatile List<String> owners;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  public StaticMembership(String nodeId, List<String> owners) {
    this.nodeId = nodeId;
    this.owners = List.copyOf(owners);
  }

  /** Changes who this node believes is alive, and tells its listeners. */
  public void setOwners(List<String> live) {
    owners = List.copyOf(live);
    listeners.forEach(Runnable::run);
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public List<String> documentOwners() {
    return owners;
  }

  @Override
  public List<String> members() {
    return owners;
  }

  @Override
  public boolean clustered() {
    return true;
  }

  @Override
  public void onChange(Runnable listener) {
    listeners.add(listener);
  }
}

package dev.docsync.cluster;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The members of a Vert.x cluster on Hazelcast, by Vert.x node id, with their roles (member attribute
 * {@value Role#ATTRIBUTE}). Kept current by a Hazelcast membership listener of its own: the cluster manager's single
 * node listener is Vert.x's.
 */
public final class HazelcastMembership implements Membership {
  /** The member attribute in which vertx-hazelcast publishes each member's Vert.x node id. */
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private final String nodeId;
  private final Cluster cluster;
  private final UUID registration;
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final Vertx vertx;
  private volatile View view;

  private record View(List<String> members, List<String> owners) {}

  private record Subscriber(Context context, Runnable listener) {}

  private HazelcastMembership(Vertx vertx, String nodeId, Cluster cluster) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.cluster = cluster;
    // Registered before the first look: a change in between is seen by the listener.
    this.registration = cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        changed();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        changed();
      }
    });
    refresh();
  }

  /** The membership of a clustered Vert.x whose cluster manager is vertx-hazelcast's. */
  static HazelcastMembership of(Vertx vertx) {
    ClusterManager manager = ((VertxInternal) vertx).clusterManager();
    if (!(manager instanceof HazelcastClusterManager hazelcast)) {
      throw new IllegalStateException("docsync clusters on Hazelcast; this Vert.x uses "
          + (manager == null ? "no cluster manager" : manager.getClass().getName()));
    }
    return new HazelcastMembership(vertx, manager.getNodeId(), hazelcast.getHazelcastInstance().getCluster());
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public List<String> documentOwners() {
    return view.owners();
  }

  @Override
  public List<String> members() {
    return view.members();
  }

  @Override
  public boolean clustered() {
    return true;
  }

  @Override
  public void onChange(Runnable listener) {
    subscribers.add(new Subscriber(vertx.getOrCreateContext(), listener));
  }

  /** Stops following the cluster (the node leaves, or the verticle that made this stops). */
  @Override
  public void close() {
    subscribers.clear();
    cluster.removeMembershipListener(registration);
  }

  /** On a Hazelcast event thread. */
  private void changed() {
    refresh();
    for (Subscriber s : subscribers) {
      s.context().runOnContext(v -> s.listener().run());
    }
  }

  // Synchronized: two events read and publish in turn, so the last view published is the latest one read.
  private synchronized void refresh() {
    List<String> members = new ArrayList<>();
    List<String> owners = new ArrayList<>();
    for (Member member : cluster.getMembers()) {
      String id = nodeIdOf(member);
      if (id == null) {
        continue; // a Hazelcast member that is not a Vert.x node
      }
      members.add(id);
      if (Role.OWNER.attribute().equals(member.getAttribute(Role.ATTRIBUTE))) {
        owners.add(id);
      }
    }
    members.sort(null);
    owners.sort(null);
    view = new View(List.copyOf(members), List.copyOf(owners));
  }

  static String nodeIdOf(Member member) {
    return member.getAttribute(NODE_ID_ATTRIBUTE);
  }
}

package dev.docsync.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One log line per membership change (Hazelcast's own, a multi-line table, is below the log level). */
final class MembershipLog implements MembershipListener {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipLog.class);

  @Override
  public void memberAdded(MembershipEvent event) {
    if (event.getMember().localMember()) {
      // Hazelcast's first event: this node, before it has found the others.
      LOG.info("Cluster: this node is {}, looking for the other members", describe(event.getMember()));
      return;
    }
    LOG.info("Cluster: {} joined, {} members now", describe(event.getMember()), event.getMembers().size());
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    LOG.info("Cluster: {} left, {} members now", describe(event.getMember()), event.getMembers().size());
  }

  static String describe(Member member) {
    String role = member.getAttribute(Role.ATTRIBUTE);
    return (role == null ? "member" : role) + " " + member.getAddress().getHost() + ":" + member.getAddress().getPort()
        + " (node " + HazelcastMembership.nodeIdOf(member) + ")";
  }
}

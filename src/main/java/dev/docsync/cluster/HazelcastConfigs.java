package dev.docsync.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * docsync's Hazelcast configuration, built from its settings rather than from a hazelcast.xml: the members named in
 * DOCSYNC_CLUSTER_MEMBERS and nobody else (no multicast, no cloud discovery), bound to DOCSYNC_CLUSTER_HOST only.
 */
final class HazelcastConfigs {
  /** Seconds between heartbeats, and of silence after which a member is removed (Hazelcast's defaults: 5 and 60). */
  static final int HEARTBEAT_SECONDS = 1;
  static final int MAX_NO_HEARTBEAT_SECONDS = 5;
  static final int CONNECT_SECONDS = 2;
  static final int BACKUPS = 2;

  private HazelcastConfigs() {}

  /** Blocking: resolves the host name (an unknown one is an IllegalArgumentException naming DOCSYNC_CLUSTER_HOST). */
  static Config of(ClusterSettings settings, Role role) {
    Config config = new Config().setClusterName(settings.name());
    // A client JVM holds no partitions: its coming and going moves no data between the server nodes.
    config.setLiteMember(role == Role.CLIENT);
    config.getMemberAttributeConfig().setAttribute(Role.ATTRIBUTE, role.attribute());
    config.addListenerConfig(new ListenerConfig(new MembershipLog()));
    network(config.getNetworkConfig(), settings);
    vertxStructures(config);
    config.setProperty("hazelcast.logging.type", "slf4j")
        // The master admits a joining member at once instead of collecting join requests for 5 s.
        .setProperty("hazelcast.wait.seconds.before.join", "0")
        .setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(HEARTBEAT_SECONDS))
        .setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(MAX_NO_HEARTBEAT_SECONDS))
        .setProperty("hazelcast.socket.bind.any", "false")
        // A member cut off (a network partition, a frozen JVM that wakes up) forms a cluster of its own: it is merged
        // back within seconds, not Hazelcast's 300 s.
        .setProperty("hazelcast.merge.first.run.delay.seconds", "5")
        .setProperty("hazelcast.merge.next.run.delay.seconds", "5")
        .setProperty("hazelcast.phone.home.enabled", "false")
        // Vert.x leaves the cluster when it closes (the launcher's shutdown hook); Hazelcast's own hook must not race it.
        .setProperty("hazelcast.shutdownhook.enabled", "false")
        // Leaving hands this member's partitions (Vert.x's registrations) over; bounded, not Hazelcast's 600 s.
        .setProperty("hazelcast.graceful.shutdown.max.wait", "30");
    return config;
  }

  private static void network(NetworkConfig network, ClusterSettings settings) {
    String ip = ip(settings.host());
    network.setPort(settings.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(ip);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    // Members started together ask each other for a master this long before one claims the role (default 5 s: the
    // wait of every start of a whole cluster); also the timeout of a connection to a member.
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.members()).setConnectionTimeoutSeconds(CONNECT_SECONDS);
  }

  /** Interfaces are matched by IP address: a host name (a container's, in docker compose) is resolved first. */
  private static String ip(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("DOCSYNC_CLUSTER_HOST='" + host + "' is not accepted: the address of this node "
          + "that the other members reach (it does not resolve: " + e.getMessage() + ")", e);
    }
  }

  /**
   * The structures Vert.x keeps in Hazelcast, as vertx-hazelcast's default-cluster.xml declares them, with two
   * backups instead of one: the event-bus registrations of the survivors must outlive two nodes lost at once (a
   * three-node cluster down to one), and they are small.
   */
  private static void vertxStructures(Config config) {
    config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(BACKUPS)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(BACKUPS));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(BACKUPS));
  }
}

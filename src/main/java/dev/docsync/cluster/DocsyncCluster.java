package dev.docsync.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.partition.NoDataMemberInClusterException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Joins a docsync cluster: a clustered Vert.x on Hazelcast, configured from {@link ClusterSettings}. Server nodes
 * join as {@link Role#OWNER} (through the launcher, see {@code Main}); an application in another JVM that talks to
 * docsync over the clustered event bus joins as {@link Role#CLIENT}:
 * <pre>{@code
 * Vertx vertx = DocsyncCluster.join(new ClusterSettings(true, "10.0.0.9", 5701,
 *     List.of("10.0.0.1:5701", "10.0.0.2:5701"), "docsync", 0), Role.CLIENT).await();
 * vertx.eventBus().request("docsync.frontend", ...);
 * }</pre>
 */
public final class DocsyncCluster {
  private DocsyncCluster() {}

  /** Joins with default Vert.x options. Blocking until the host name is resolved; the join itself is the Future. */
  public static Future<Vertx> join(ClusterSettings settings, Role role) {
    return join(settings, role, new VertxOptions());
  }

  /** Joins with the given options, whose event-bus host and port are set from {@code settings}. */
  public static Future<Vertx> join(ClusterSettings settings, Role role, VertxOptions options) {
    if (System.getProperty("hazelcast.logging.type") == null) {
      // Also what Hazelcast logs before it reads its configuration (the jar's Main sets it for server nodes).
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    try {
      return builder(options, settings, hazelcastConfig(settings, role)).buildClustered()
          .recover(e -> Future.failedFuture(noServer(e) ? new IllegalStateException("no docsync node answered at "
              + String.join(",", settings.members()) + " (cluster '" + settings.name() + "'): a client joins a running "
              + "cluster", e) : e));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  /** Only clients (Hazelcast lite members, which hold no data) were found: Vert.x cannot keep its registrations. */
  private static boolean noServer(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NoDataMemberInClusterException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The Hazelcast configuration of a member. Blocking (resolves the host name); an IllegalArgumentException that
   * names the setting when the host is unknown.
   */
  public static Config hazelcastConfig(ClusterSettings settings, Role role) {
    return HazelcastConfigs.of(settings, role);
  }

  /**
   * Refuses, naming the setting, a Hazelcast or event-bus port that cannot be listened on: Hazelcast would fail with
   * three stack traces. Blocking; a port taken between this check and the start still fails the start.
   */
  public static void checkPorts(ClusterSettings settings) {
    checkPort(settings, settings.port(), "DOCSYNC_CLUSTER_PORT");
    if (settings.busPort() != 0) {
      checkPort(settings, settings.busPort(), "DOCSYNC_CLUSTER_BUS_PORT");
    }
  }

  private static void checkPort(ClusterSettings settings, int port, String setting) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(settings.host(), port));
    } catch (IOException e) {
      boolean notHere = String.valueOf(e.getMessage()).contains("assign");
      throw new IllegalStateException(notHere
          ? "DOCSYNC_CLUSTER_HOST='" + settings.host() + "' is not an address of this machine (" + e.getMessage() + ")"
          : setting + ": port " + port + " on " + settings.host() + " is already in use (" + e.getMessage()
              + "): stop what holds it, or set " + setting + " to another port", e);
    }
  }

  /** A builder of a clustered Vert.x ({@code buildClustered()}) on the given Hazelcast configuration. */
  public static VertxBuilder builder(VertxOptions options, ClusterSettings settings, Config hazelcast) {
    // The event bus listens on the cluster host, and tells the other members that address (not a guess of its own).
    options.getEventBusOptions()
        .setHost(settings.host())
        .setPort(settings.busPort())
        .setClusterPublicHost(settings.host());
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast));
  }
}

package dev.docsync;

import com.hazelcast.config.Config;
import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.DocsyncCluster;
import dev.docsync.cluster.Role;
import dev.docsync.config.ConfigLoader;
import dev.docsync.config.DocsyncConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The jar's entry point: {@code token}, {@code unpack} and {@code --help} subcommands, else the server, launched by
 * Vert.x's launcher (the Main-Verticle of the manifest) with Vert.x metrics in the Prometheus registry
 * that {@code GET /metrics} serves.
 */
public final class Main {
  /** Exit status of a start refused before anything started: a setting is wrong. */
  static final int EXIT_BAD_SETTING = 2;

  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 ? "" : args[0];
    int exitCode = switch (command) {
      case "--help", "-h", "help" -> Usage.print(System.out);
      case "token" -> TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), System.getenv(), System.out, System.err);
      case "unpack" -> UnpackCommand.run();
      case "client" -> dev.docsync.client.cli.ClientCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err);
      case "edit" -> dev.docsync.client.tui.EditCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err);
      default -> server(args);
    };
    if (exitCode != 0) {
      System.exit(exitCode);
    }
  }

  private static int server(String[] args) {
    Map<String, String> env = System.getenv();
    configureLogging(env);
    ClusterSettings cluster;
    Config hazelcast;
    try {
      cluster = DocsyncConfig.from(ConfigLoader.fromEnvironment(env)).cluster();
      hazelcast = hazelcastConfig(cluster, args);
    } catch (IllegalArgumentException | IllegalStateException e) {
      System.err.println("docsync: cannot start: " + e.getMessage());
      return EXIT_BAD_SETTING;
    }
    return new Launcher(args, cluster, hazelcast).launch();
  }

  /**
   * A cluster node's Hazelcast configuration, or null when it runs alone. Here, not in the launcher: an unknown host
   * or a taken port is refused in one line like any bad setting.
   */
  private static Config hazelcastConfig(ClusterSettings cluster, String[] args) {
    if (!cluster.enabled()) {
      if (Arrays.stream(args).anyMatch(a -> a.equals("-cluster") || a.equals("--cluster"))) {
        // Vert.x would cluster on Hazelcast's defaults (multicast to anyone on the network).
        throw new IllegalStateException("--cluster: set DOCSYNC_CLUSTER_ENABLED=true (and DOCSYNC_CLUSTER_*) instead");
      }
      return null;
    }
    Config config = DocsyncCluster.hazelcastConfig(cluster, Role.OWNER);
    DocsyncCluster.checkPorts(cluster);
    return config;
  }

  /** Before the first logger exists: logback.xml reads these properties. Bad values are reported by the check that follows. */
  static void configureLogging(Map<String, String> env) {
    String format = env.getOrDefault("DOCSYNC_LOG_FORMAT", "text").trim().toLowerCase(Locale.ROOT);
    String level = env.getOrDefault("DOCSYNC_LOG_LEVEL", "info").trim().toLowerCase(Locale.ROOT);
    System.setProperty("docsync.log.format", Arrays.asList(DocsyncConfig.LOG_FORMATS).contains(format) ? format : "text");
    System.setProperty("docsync.log.level", Arrays.asList(DocsyncConfig.LOG_LEVELS).contains(level) ? level : "info");
    // Vert.x's own lines go through SLF4J as well.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    // Hazelcast's too, including what it logs before it reads its configuration.
    System.setProperty("hazelcast.logging.type", "slf4j");
  }

  /** Loaded only once logging is configured: Vert.x's launcher creates its logger when its class loads. */
  private static final class Launcher extends VertxApplication {
    /** The verticle is named here: the launcher reads Main-Verticle from the manifest only when it is the Main-Class itself. */
    Launcher(String[] args, ClusterSettings cluster, Config hazelcast) {
      super(withVerticle(args, hazelcast != null), new ServerHooks(cluster, hazelcast));
    }

    /** {@code --cluster}: the launcher builds the Vert.x clustered, with the cluster manager the hooks give it. */
    private static String[] withVerticle(String[] args, boolean clustered) {
      java.util.List<String> all = new java.util.ArrayList<>();
      all.add("dev.docsync.DocsyncVerticle");
      if (clustered) {
        all.add("--cluster");
      }
      all.addAll(Arrays.asList(args));
      return all.toArray(String[]::new);
    }
  }

  private static final class ServerHooks implements VertxApplicationHooks {
    private final ClusterSettings cluster;
    /** null: not clustered. */
    private final Config hazelcast;

    ServerHooks(ClusterSettings cluster, Config hazelcast) {
      this.cluster = cluster;
      this.hazelcast = hazelcast;
    }

    @Override
    public VertxBuilder createVertxBuilder(VertxOptions options) {
      return hazelcast == null ? Vertx.builder().with(options) : DocsyncCluster.builder(options, cluster, hazelcast);
    }

    @Override
    public void beforeStartingVertx(HookContext context) {
      context.vertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
          .setEnabled(true)
          .setJvmMetricsEnabled(true)
          .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }

    // The launcher's own logger is off (logback.xml): it would add a stack trace to every failed start.
    @Override
    public void afterFailureToStartVertx(HookContext context, Throwable t) {
      failed("docsync failed to start Vert.x: ", t);
    }

    @Override
    public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
      // Everything the start had started is stopped by then (DocsyncVerticle.start recovers with stop()).
      failed("docsync failed to start: ", t);
    }

    @Override
    public void afterFailureToStopVertx(HookContext context, Throwable t) {
      failed("docsync did not stop cleanly: ", t);
    }

    private static void failed(String what, Throwable t) {
      org.slf4j.Logger log = LoggerFactory.getLogger(Main.class);
      log.error("{}{}", what, t.getMessage());
      log.debug("cause", t);
    }
  }
}

package dev.docsync;

import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;

/**
 * Launches docsync (the Main-Verticle of the jar's manifest) with Vert.x's own metrics (HTTP, event
 * bus, pools, JVM) on, in the Prometheus registry that {@code GET /metrics} serves.
 */
public final class Main extends VertxApplication {

  private Main(String[] args) {
    super(args, new MetricsHooks());
  }

  public static void main(String[] args) {
    int exitCode = new Main(args).launch();
    if (exitCode != 0) {
      System.exit(exitCode);
    }
  }

  private static final class MetricsHooks implements VertxApplicationHooks {
    @Override
    public void beforeStartingVertx(HookContext context) {
      context.vertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
          .setEnabled(true)
          .setJvmMetricsEnabled(true)
          .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }
  }
}

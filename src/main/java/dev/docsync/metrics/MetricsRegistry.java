package dev.docsync.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

/** The Prometheus registry of this node: Vert.x's own when metrics are on (see Main), else a private one. */
public final class MetricsRegistry {
  private MetricsRegistry() {}

  public static PrometheusMeterRegistry prometheus() {
    MeterRegistry vertxRegistry = BackendRegistries.getDefaultNow();
    return vertxRegistry instanceof PrometheusMeterRegistry prometheus
        ? prometheus
        : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }
}

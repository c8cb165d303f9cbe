package dev.docsync.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the configuration with vertx-config, later sources winning: the defaults shipped in
 * config/docsync.json, then DOCSYNC_* environment variables, then the verticle's deployment config.
 */
public final class ConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigLoader.class);
  private static final String DEFAULTS = "config/docsync.json";

  private ConfigLoader() {}

  public static Future<DocsyncConfig> load(Vertx vertx, JsonObject deploymentConfig) {
    JsonObject defaults = defaults();
    JsonArray keys = new JsonArray();
    defaults.fieldNames().forEach(keys::add);
    warnAboutUnknown(System.getenv().keySet(), "environment variable");
    warnAboutUnknown(deploymentConfig.fieldNames(), "configuration key");
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setScanPeriod(0)
        .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults))
        .addStore(new ConfigStoreOptions().setType("env").setConfig(new JsonObject().put("keys", keys)))
        .addStore(new ConfigStoreOptions().setType("json").setConfig(deploymentConfig));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .map(DocsyncConfig::from)
        .andThen(ar -> retriever.close());
  }

  /** The defaults with the given environment's DOCSYNC_* values over them, as the service reads them (without -conf). */
  public static JsonObject fromEnvironment(Map<String, String> env) {
    JsonObject values = defaults();
    for (String key : Set.copyOf(values.fieldNames())) {
      if (env.containsKey(key)) {
        values.put(key, env.get(key));
      }
    }
    return values;
  }

  private static void warnAboutUnknown(Set<String> names, String kind) {
    UnknownSettings.warnings(names, defaults().fieldNames()).forEach(w -> LOG.warn("Unknown {}: {}", kind, w));
  }

  /** The shipped defaults, minus the "doc" descriptions. */
  public static JsonObject defaults() {
    JsonObject values = new JsonObject();
    settings().forEach(e -> values.put(e.getKey(), ((JsonObject) e.getValue()).getValue("default")));
    return values;
  }

  /** Every setting with its "default" and "doc", in the shipped order. */
  public static JsonObject settings() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getJsonObject("settings");
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS, e);
    }
  }
}

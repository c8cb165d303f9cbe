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

/**
 * Reads the configuration with vertx-config, later sources winning: the defaults shipped in
 * config/docsync.json, then DOCSYNC_* environment variables, then the verticle's deployment config.
 */
public final class ConfigLoader {
  private static final String DEFAULTS = "config/docsync.json";

  private ConfigLoader() {}

  public static Future<DocsyncConfig> load(Vertx vertx, JsonObject deploymentConfig) {
    JsonObject defaults = defaults();
    JsonArray keys = new JsonArray();
    defaults.fieldNames().forEach(keys::add);
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

  /** The shipped defaults, minus the "_doc" descriptions. */
  static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
      JsonObject json = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      JsonObject values = new JsonObject();
      json.getJsonObject("settings").forEach(e -> values.put(e.getKey(), ((JsonObject) e.getValue()).getValue("default")));
      return values;
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("cannot read " + DEFAULTS, e);
    }
  }
}

package dev.docsync.config;

import dev.docsync.auth.AuthSettings;
import dev.docsync.peering.UpstreamSettings;
import java.util.Arrays;
import java.util.List;
import dev.docsync.chat.ChatSettings;
import dev.docsync.doc.OwnerSettings;
import dev.docsync.limits.LimitSettings;
import dev.docsync.presence.PresenceSettings;
import dev.docsync.transport.bridge.BridgeSettings;
import dev.docsync.transport.ws.WsSettings;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * The service configuration. Keys are the environment variable names (DOCSYNC_*), so the same
 * name works in config/docsync.json, in the environment and in a deployment config.
 */
public record DocsyncConfig(
    String httpHost,
    int httpPort,
    boolean httpTrustForwarded,
    String pgUrl,
    int pgPoolSize,
    Path dataDir,
    int embeddedPgPort,
    int automergeThreads,
    int maxPayloadBytes,
    OwnerSettings owner,
    WsSettings ws,
    AuthSettings auth,
    BridgeSettings bridge,
    PresenceSettings presence,
    ChatSettings chat,
    UpstreamSettings upstreams) {

  public static DocsyncConfig from(JsonObject json) {
    LimitSettings limits = limits(json);
    return new DocsyncConfig(
        text(json, "DOCSYNC_HTTP_HOST"),
        integer(json, "DOCSYNC_HTTP_PORT"),
        Boolean.parseBoolean(text(json, "DOCSYNC_HTTP_TRUST_FORWARDED")),
        blankToNull(json.getValue("DOCSYNC_PG_URL")),
        integer(json, "DOCSYNC_PG_POOL_SIZE"),
        Path.of(text(json, "DOCSYNC_DATA_DIR")),
        integer(json, "DOCSYNC_EMBEDDED_PG_PORT"),
        threads(integer(json, "DOCSYNC_AUTOMERGE_THREADS")),
        integer(json, "DOCSYNC_MAX_PAYLOAD_BYTES"),
        new OwnerSettings(
            integer(json, "DOCSYNC_DOC_QUEUE_LIMIT"),
            integer(json, "DOCSYNC_DOC_BATCH_MAX"),
            longValue(json, "DOCSYNC_SYNC_STATE_FLUSH_MS"),
            longValue(json, "DOCSYNC_DOC_IDLE_UNLOAD_MS"),
            longValue(json, "DOCSYNC_COMPACT_MIN_BYTES"),
            integer(json, "DOCSYNC_COMPACT_MAX_CHUNKS"),
            longValue(json, "DOCSYNC_DOC_MAX_BYTES"),
            longValue(json, "DOCSYNC_MEMORY_BUDGET_BYTES"),
            longValue(json, "DOCSYNC_SHUTDOWN_TIMEOUT_MS"),
            longValue(json, "DOCSYNC_SYNC_PACE_MS"),
            longValue(json, "DOCSYNC_SYNC_INTERVAL_MS")),
        new WsSettings(
            longValue(json, "DOCSYNC_WS_PING_MS"),
            integer(json, "DOCSYNC_WS_MAX_MESSAGE_BYTES"),
            Boolean.parseBoolean(text(json, "DOCSYNC_WS_DEFLATE")),
            limits),
        new AuthSettings(
            Boolean.parseBoolean(text(json, "DOCSYNC_AUTH_ENABLED")),
            optional(json, "DOCSYNC_JWT_SECRET"),
            optional(json, "DOCSYNC_JWT_PUBLIC_KEY"),
            text(json, "DOCSYNC_JWT_ALGORITHM"),
            optional(json, "DOCSYNC_JWT_ISSUER"),
            optional(json, "DOCSYNC_JWT_AUDIENCE")),
        new BridgeSettings(
            flag(json, "DOCSYNC_BRIDGE_SOCKJS_ENABLED"),
            flag(json, "DOCSYNC_BRIDGE_TCP_ENABLED"),
            text(json, "DOCSYNC_BRIDGE_TCP_HOST"),
            integer(json, "DOCSYNC_BRIDGE_TCP_PORT"),
            frameLimit(integer(json, "DOCSYNC_BRIDGE_TCP_MAX_FRAME_BYTES"), integer(json, "DOCSYNC_MAX_PAYLOAD_BYTES")),
            flag(json, "DOCSYNC_BRIDGE_EVENTS_OUTBOUND"),
            limits),
        new PresenceSettings(longValue(json, "DOCSYNC_PRESENCE_TIMEOUT_MS")),
        new ChatSettings(
            integer(json, "DOCSYNC_CHAT_HISTORY_LIMIT"),
            integer(json, "DOCSYNC_CHAT_MAX_TEXT_CHARS"),
            integer(json, "DOCSYNC_CHAT_RETENTION_DAYS")),
        new UpstreamSettings(
            list(json, "DOCSYNC_UPSTREAMS"),
            list(json, "DOCSYNC_UPSTREAM_DOCS"),
            optional(json, "DOCSYNC_UPSTREAM_TOKEN"),
            longValue(json, "DOCSYNC_UPSTREAM_MAX_BACKOFF_MS")));
  }

  /** Limits of the WebSocket endpoint and the bridges (one set for all transports). */
  private static LimitSettings limits(JsonObject json) {
    return new LimitSettings(
        integer(json, "DOCSYNC_LIMIT_MESSAGES_PER_SECOND"),
        integer(json, "DOCSYNC_LIMIT_MESSAGE_BURST"),
        integer(json, "DOCSYNC_LIMIT_FLOOD_DROPS"),
        integer(json, "DOCSYNC_LIMIT_DOCS_PER_CONNECTION"),
        integer(json, "DOCSYNC_LIMIT_CONNECTIONS_PER_IP"),
        longValue(json, "DOCSYNC_LIMIT_JOIN_TIMEOUT_MS"),
        integer(json, "DOCSYNC_LIMIT_PREJOIN_MESSAGES"),
        integer(json, "DOCSYNC_LIMIT_PENDING_CONNECTIONS"));
  }

  /** Comma-separated values; empty means none. */
  private static List<String> list(JsonObject json, String key) {
    String value = optional(json, key);
    return value == null ? List.of()
        : Arrays.stream(value.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  /** 0: twice the payload limit, room for base64 and JSON around the largest payload. */
  private static int frameLimit(int configured, int maxPayloadBytes) {
    return configured > 0 ? configured : (int) Math.min(Integer.MAX_VALUE, 2L * maxPayloadBytes);
  }

  // Environment values arrive as strings: "true"/"false" as well as JSON booleans.
  private static boolean flag(JsonObject json, String key) {
    String value = text(json, key).toLowerCase();
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
    }
    return Boolean.parseBoolean(value);
  }

  public boolean embeddedDatabase() {
    return pgUrl == null;
  }

  private static int threads(int configured) {
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }

  private static String blankToNull(Object value) {
    return value == null || value.toString().isBlank() ? null : value.toString().trim();
  }

  /** An empty value means unset. */
  private static String optional(JsonObject json, String key) {
    return blankToNull(json.getValue(key));
  }

  private static String text(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null) {
      throw new IllegalArgumentException("missing setting " + key);
    }
    return value.toString().trim();
  }

  // Environment values may arrive as strings: accept both.
  private static int integer(JsonObject json, String key) {
    return (int) longValue(json, key);
  }

  private static long longValue(JsonObject json, String key) {
    Object value = json.getValue(key);
    if (value == null || value.toString().isBlank()) {
      throw new IllegalArgumentException("missing setting " + key);
    }
    if (value instanceof Number n) {
      return n.longValue();
    }
    try {
      return Long.parseLong(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got '" + value + "'");
    }
  }
}

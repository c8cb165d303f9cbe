package dev.docsync.config;

import dev.docsync.auth.AuthSettings;
import dev.docsync.peering.UpstreamSettings;
import java.util.Arrays;
import java.util.List;
import dev.docsync.chat.ChatSettings;
import dev.docsync.cluster.ClusterSettings;
import dev.docsync.doc.OwnerSettings;
import dev.docsync.doc.Ownership;
import dev.docsync.limits.LimitSettings;
import dev.docsync.limits.SocketLimits;
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
    Ownership ownership,
    WsSettings ws,
    AuthSettings auth,
    BridgeSettings bridge,
    PresenceSettings presence,
    ChatSettings chat,
    UpstreamSettings upstreams,
    boolean metricsPublic,
    ClusterSettings cluster) {
  public static final String[] LOG_FORMATS = {"text", "json"};
  public static final String[] LOG_LEVELS = {"error", "warn", "info", "debug", "trace"};

  public static DocsyncConfig from(JsonObject json) {
    // Applied by the logging set-up (Main) before anything else; checked here with the rest.
    choice(json, "DOCSYNC_LOG_FORMAT", LOG_FORMATS);
    choice(json, "DOCSYNC_LOG_LEVEL", LOG_LEVELS);
    LimitSettings limits = limits(json);
    return new DocsyncConfig(
        text(json, "DOCSYNC_HTTP_HOST"),
        integer(json, "DOCSYNC_HTTP_PORT", 0, 65535),
        flag(json, "DOCSYNC_HTTP_TRUST_FORWARDED"),
        blankToNull(json.getValue("DOCSYNC_PG_URL")),
        integer(json, "DOCSYNC_PG_POOL_SIZE", 1, 1000),
        Path.of(text(json, "DOCSYNC_DATA_DIR")),
        integer(json, "DOCSYNC_EMBEDDED_PG_PORT", 0, 65535),
        threads(integer(json, "DOCSYNC_AUTOMERGE_THREADS", 0, 1024)),
        integer(json, "DOCSYNC_MAX_PAYLOAD_BYTES", 1024, Integer.MAX_VALUE / 2),
        new OwnerSettings(
            integer(json, "DOCSYNC_DOC_QUEUE_LIMIT", 1, Integer.MAX_VALUE),
            integer(json, "DOCSYNC_DOC_BATCH_MAX", 1, 100_000),
            longValue(json, "DOCSYNC_SYNC_STATE_FLUSH_MS"),
            longValue(json, "DOCSYNC_DOC_IDLE_UNLOAD_MS"),
            longValue(json, "DOCSYNC_COMPACT_MIN_BYTES"),
            integer(json, "DOCSYNC_COMPACT_MAX_CHUNKS"),
            longValue(json, "DOCSYNC_DOC_MAX_BYTES"),
            longValue(json, "DOCSYNC_MEMORY_BUDGET_BYTES"),
            longValue(json, "DOCSYNC_SHUTDOWN_TIMEOUT_MS"),
            longValue(json, "DOCSYNC_SYNC_PACE_MS"),
            longValue(json, "DOCSYNC_SYNC_INTERVAL_MS"),
            longValue(json, "DOCSYNC_SYNC_BUSY_MESSAGES_PER_SECOND"),
            longValue(json, "DOCSYNC_CHANGE_MAX_OPS"),
            longValue(json, "DOCSYNC_MAX_PAYLOAD_BYTES")),
        new Ownership(
            threads(integer(json, "DOCSYNC_DOCUMENT_SHARDS", 0, 1024)),
            longValue(json, "DOCSYNC_LEASE_MS", 1_000, 3_600_000),
            longValue(json, "DOCSYNC_ROUTE_RETRY_MS", 0, 600_000)),
        new WsSettings(
            longValue(json, "DOCSYNC_WS_PING_MS", 100, 3_600_000),
            integer(json, "DOCSYNC_WS_MAX_MESSAGE_BYTES", 1024, Integer.MAX_VALUE / 2),
            flag(json, "DOCSYNC_WS_DEFLATE"),
            limits),
        new AuthSettings(
            flag(json, "DOCSYNC_AUTH_ENABLED"),
            optional(json, "DOCSYNC_JWT_SECRET"),
            optional(json, "DOCSYNC_JWT_PUBLIC_KEY"),
            choice(json, "DOCSYNC_JWT_ALGORITHM", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"),
            optional(json, "DOCSYNC_JWT_ISSUER"),
            optional(json, "DOCSYNC_JWT_AUDIENCE"),
            flag(json, "DOCSYNC_JWT_REQUIRE_EXP")),
        new BridgeSettings(
            flag(json, "DOCSYNC_BRIDGE_SOCKJS_ENABLED"),
            flag(json, "DOCSYNC_BRIDGE_TCP_ENABLED"),
            text(json, "DOCSYNC_BRIDGE_TCP_HOST"),
            integer(json, "DOCSYNC_BRIDGE_TCP_PORT", 0, 65535),
            frameLimit(integer(json, "DOCSYNC_BRIDGE_TCP_MAX_FRAME_BYTES"), integer(json, "DOCSYNC_MAX_PAYLOAD_BYTES", 1024, Integer.MAX_VALUE / 2)),
            flag(json, "DOCSYNC_BRIDGE_EVENTS_OUTBOUND"),
            limits),
        new PresenceSettings(longValue(json, "DOCSYNC_PRESENCE_TIMEOUT_MS", 100, 86_400_000),
            integer(json, "DOCSYNC_PRESENCE_MAX_STATE_BYTES", 256, 16_777_216)),
        new ChatSettings(
            integer(json, "DOCSYNC_CHAT_HISTORY_LIMIT"),
            integer(json, "DOCSYNC_CHAT_MAX_TEXT_CHARS"),
            integer(json, "DOCSYNC_CHAT_RETENTION_DAYS")),
        new UpstreamSettings(
            list(json, "DOCSYNC_UPSTREAMS"),
            list(json, "DOCSYNC_UPSTREAM_DOCS"),
            optional(json, "DOCSYNC_UPSTREAM_TOKEN"),
            longValue(json, "DOCSYNC_UPSTREAM_MAX_BACKOFF_MS")),
        flag(json, "DOCSYNC_METRICS_PUBLIC"),
        cluster(json)).checkedForCluster();
  }

  /** The DOCSYNC_CLUSTER_* settings alone, checked: all that a client member (no database, no token keys) needs. */
  public static ClusterSettings cluster(JsonObject json) {
    boolean enabled = flag(json, "DOCSYNC_CLUSTER_ENABLED");
    String host = text(json, "DOCSYNC_CLUSTER_HOST");
    int port = integer(json, "DOCSYNC_CLUSTER_PORT", 1, 65535);
    if (enabled && (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]"))) {
      throw new InvalidSettingException("DOCSYNC_CLUSTER_HOST", host, "the address the other members reach this node at "
          + "(not a wildcard: Hazelcast and the event bus tell the other members this address)");
    }
    String name = text(json, "DOCSYNC_CLUSTER_NAME");
    if (name.isEmpty()) {
      throw new InvalidSettingException("DOCSYNC_CLUSTER_NAME", name, "a name");
    }
    List<String> members = list(json, "DOCSYNC_CLUSTER_MEMBERS");
    for (String member : members) {
      if (!hostAndPort(member)) {
        throw new InvalidSettingException("DOCSYNC_CLUSTER_MEMBERS", json.getValue("DOCSYNC_CLUSTER_MEMBERS"),
            "comma-separated host:port with a port from 1 to 65535 ('" + member + "' is not)");
      }
    }
    return new ClusterSettings(enabled, host, port, members.isEmpty() ? List.of(host + ":" + port) : members,
        name, integer(json, "DOCSYNC_CLUSTER_BUS_PORT", 0, 65535));
  }

  private static boolean hostAndPort(String member) {
    int colon = member.lastIndexOf(':');
    // A host name, an IPv4 address or a bracketed IPv6 one: nothing else (no ranges, no other separators).
    if (colon <= 0 || !member.substring(0, colon).matches("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+]")) {
      return false;
    }
    try {
      int port = Integer.parseInt(member.substring(colon + 1));
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * A node of a cluster shares its database and its token keys with the others: an embedded PostgreSQL cannot be
   * shared, and a development key is one per data directory (the nodes would refuse each other's tokens).
   *
   * @throws IllegalStateException naming the missing setting
   */
  public DocsyncConfig requireClusterable() {
    if (embeddedDatabase()) {
      throw new IllegalStateException("DOCSYNC_PG_URL must be set in a cluster: every node uses the same PostgreSQL "
          + "(an embedded one cannot be shared)");
    }
    if (auth.needsDevelopmentKey()) {
      throw new IllegalStateException("DOCSYNC_JWT_SECRET (or DOCSYNC_JWT_PUBLIC_KEY) must be set in a cluster with "
          + "authentication on: the same on every node (a development key is per data directory, so the nodes would "
          + "refuse each other's tokens)");
    }
    return this;
  }

  private DocsyncConfig checkedForCluster() {
    return cluster.enabled() ? requireClusterable() : this;
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
        integer(json, "DOCSYNC_LIMIT_PENDING_CONNECTIONS"),
        new SocketLimits(
            longValue(json, "DOCSYNC_WS_OUTBOUND_MAX_BYTES"),
            longValue(json, "DOCSYNC_WS_OUTBOUND_NODE_MAX_BYTES"),
            longValue(json, "DOCSYNC_WS_OUTBOUND_STALL_MS"),
            longValue(json, "DOCSYNC_LIMIT_UNFINISHED_MESSAGE_MS"),
            longValue(json, "DOCSYNC_LIMIT_UNFINISHED_BYTES_PER_IP"),
            longValue(json, "DOCSYNC_LIMIT_UNFINISHED_BYTES"),
            longValue(json, "DOCSYNC_HTTP_IDLE_TIMEOUT_MS"),
            longValue(json, "DOCSYNC_HTTP_REQUEST_HEAD_TIMEOUT_MS"),
            integer(json, "DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP")));
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

  /**
   * true/false in any case, or 1/0, yes/no, on/off with their usual meaning. Anything else stops the
   * start: a typo must never switch a safety (authentication) off.
   */
  static boolean flag(JsonObject json, String key) {
    Object raw = json.getValue(key);
    if (raw instanceof Boolean b) {
      return b;
    }
    String value = raw == null ? "" : raw.toString().trim().toLowerCase(java.util.Locale.ROOT);
    return switch (value) {
      case "true", "1", "yes", "on" -> true;
      case "false", "0", "no", "off" -> false;
      default -> throw new InvalidSettingException(key, raw, "true or false");
    };
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
      throw new InvalidSettingException(key, null, "a value");
    }
    return value.toString().trim();
  }

  /** One of the given words (case-insensitive), returned as spelled in {@code accepted}. */
  private static String choice(JsonObject json, String key, String... accepted) {
    String value = text(json, key);
    for (String word : accepted) {
      if (word.equalsIgnoreCase(value)) {
        return word;
      }
    }
    throw new InvalidSettingException(key, json.getValue(key), "one of " + String.join(", ", accepted));
  }

  /** A whole number from 0 to Integer.MAX_VALUE (sizes, counts and limits, where 0 often means "off"). */
  private static int integer(JsonObject json, String key) {
    return integer(json, key, 0, Integer.MAX_VALUE);
  }

  private static int integer(JsonObject json, String key, int min, int max) {
    return (int) longValue(json, key, min, max);
  }

  /** A whole number from 0 up (durations in ms, byte counts). */
  private static long longValue(JsonObject json, String key) {
    return longValue(json, key, 0, Long.MAX_VALUE);
  }

  // Environment values arrive as strings, JSON values as numbers: both are accepted, fractions are not.
  private static long longValue(JsonObject json, String key, long min, long max) {
    Object value = json.getValue(key);
    String accepted = max == Long.MAX_VALUE || max == Integer.MAX_VALUE
        ? "a whole number >= " + min : "a whole number from " + min + " to " + max;
    long number;
    if (value instanceof Integer || value instanceof Long) {
      number = ((Number) value).longValue();
    } else {
      try {
        number = Long.parseLong(value == null ? "" : value.toString().trim());
      } catch (NumberFormatException e) {
        throw new InvalidSettingException(key, value, accepted);
      }
    }
    if (number < min || number > max) {
      throw new InvalidSettingException(key, value, accepted);
    }
    return number;
  }
}

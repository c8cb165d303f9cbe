package dev.docsync.transport.ws;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the endpoint: refused frames by reason (decode kinds, TEXT_FRAME, TOO_LARGE,
 * UNSUPPORTED_VERSION, the core's error codes), ignored messages, connections. Thread-safe.
 */
public final class WsCounters {
  private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> ignored = new ConcurrentHashMap<>();
  private final LongAdder connections = new LongAdder();

  void rejected(String reason) {
    rejected.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  void ignored(String reason) {
    ignored.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  void connected() {
    connections.increment();
  }

  public long rejectedCount(String reason) {
    LongAdder count = rejected.get(reason);
    return count == null ? 0 : count.sum();
  }

  public long ignoredCount(String reason) {
    LongAdder count = ignored.get(reason);
    return count == null ? 0 : count.sum();
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("connectionsOpened", connections.sum())
        .put("rejected", sums(rejected))
        .put("ignored", sums(ignored));
  }

  private static JsonObject sums(Map<String, LongAdder> counts) {
    JsonObject json = new JsonObject();
    new TreeMap<>(counts).forEach((k, v) -> json.put(k, v.sum()));
    return json;
  }
}

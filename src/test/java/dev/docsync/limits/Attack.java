package dev.docsync.limits;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.WsClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the attack tests share: heap after GC, counters read with an operator's token, /health. */
final class Attack {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Attack() {}

  /** Heap in use after full collections, in MiB (test clients and node share the JVM: clients that do not read hold nothing). */
  static long heapMiB() {
    for (int i = 0; i < 3; i++) {
      System.gc();
      sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  static double exceeded(int port, Tokens tokens, String limit, String transport) {
    String scrape = get(port, "/metrics", tokens.admin(600)).body();
    return Metrics.sum(scrape, "docsync_limits_exceeded_total", "limit=\"" + limit + "\"", "transport=\"" + transport + "\"");
  }

  static HttpResponse<String> get(int port, String path, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<String> post(int port, String path, String token, byte[] body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Object> ephemeral(WsClient from, String docId, byte[] data, long count) {
    Map<String, Object> message = new LinkedHashMap<>(WsClient.docMessage("ephemeral", from.peerId(), docId, data));
    message.put("count", count);
    message.put("sessionId", "session-" + from.peerId());
    return message;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

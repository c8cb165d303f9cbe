package dev.docsync.transport.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.docsync.testing.JsAutomergePeer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code node bridge-client.mjs} from src/test/js: real {@code @vertx/eventbus-bridge-client.js}
 * connections and automerge-repo WebSocket clients, driven one JSON line per command.
 */
final class NodeBridgeClient implements AutoCloseable {
  private static final long CALL_TIMEOUT_MS = 30_000;
  private static final String EOF = new String("<eof>");

  private final Process process;
  private final BufferedWriter stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

  private NodeBridgeClient(Process process) {
    this.process = process;
    this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    pump(process.getInputStream(), true);
    pump(process.getErrorStream(), false);
  }

  /** Skips the test without node_modules, unless CI is set (then node is required). */
  static void assumeNode() {
    boolean node = JsAutomergePeer.nodeAvailable()
        && JsAutomergePeer.jsDir().resolve("node_modules/@vertx/eventbus-bridge-client.js").toFile().isDirectory();
    if (System.getenv("CI") != null) {
      assertTrue(node, "CI is set, so the bridge tests must run: install node and `npm ci` in src/test/js");
    } else {
      assumeTrue(node, "node and src/test/js/node_modules are needed (npm ci in src/test/js)");
    }
  }

  static NodeBridgeClient start() {
    try {
      return new NodeBridgeClient(new ProcessBuilder("node", "bridge-client.mjs")
          .directory(JsAutomergePeer.jsDir().toFile()).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The reply of a command, {@code ok:false} included. */
  synchronized JsonObject call(String cmd, JsonObject args) {
    String line;
    try {
      stdin.write(args.copy().put("cmd", cmd).encode());
      stdin.write('\n');
      stdin.flush();
      line = replies.poll(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (line == null || line == EOF) {
      process.destroyForcibly();
      throw new IllegalStateException("node did not answer " + cmd + (line == null ? " in time" : ": it exited"));
    }
    return new JsonObject(line);
  }

  JsonObject ok(String cmd, JsonObject args) {
    JsonObject reply = call(cmd, args);
    if (!reply.getBoolean("ok", false)) {
      throw new IllegalStateException(cmd + " failed: " + reply.getString("error"));
    }
    return reply;
  }

  // ---- shorthands ----

  void connect(String conn, int httpPort) {
    connect(conn, httpPort, null);
  }

  /** With the token in every frame's headers, as eb.defaultHeaders puts it. */
  void connect(String conn, int httpPort, String token) {
    ok("connect", new JsonObject().put("conn", conn).put("url", "http://127.0.0.1:" + httpPort + "/eventbus").put("token", token));
  }

  JsonObject send(String conn, String address, JsonObject body) {
    return ok("send", new JsonObject().put("conn", conn).put("address", address).put("body", body));
  }

  /** The reply body of a request that must succeed. */
  JsonObject request(String conn, String address, JsonObject body) {
    JsonObject result = send(conn, address, body);
    if (!result.containsKey("reply")) {
      throw new IllegalStateException(address + " " + body.getString("type") + " failed: " + result.encode());
    }
    return result.getJsonObject("reply");
  }

  void register(String conn, String address) {
    ok("register", new JsonObject().put("conn", conn).put("address", address));
  }

  List<JsonObject> waitMessages(String conn, String address, int count) {
    return bodies(ok("waitMessages", new JsonObject().put("conn", conn).put("address", address).put("count", count)));
  }

  List<JsonObject> messages(String conn, String address) {
    return bodies(ok("messages", new JsonObject().put("conn", conn).put("address", address)));
  }

  private static List<JsonObject> bodies(JsonObject reply) {
    return reply.getJsonArray("messages").stream().map(JsonObject.class::cast)
        .map(m -> m.getJsonObject("body")).toList();
  }

  static double[] samples(JsonObject reply) {
    JsonArray samples = reply.getJsonArray("samples");
    double[] values = new double[samples.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = samples.getDouble(i);
    }
    return values;
  }

  /** Kills node without letting it close anything: its sockets just vanish. */
  void crash() {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        stdin.write("{\"cmd\":\"exit\"}\n");
        stdin.flush();
      }
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void pump(java.io.InputStream in, boolean isStdout) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (isStdout) {
            replies.add(line);
          } else {
            System.err.println("[bridge-client] " + line);
          }
        }
      } catch (IOException ignored) {
        // process gone
      } finally {
        if (isStdout) {
          replies.add(EOF);
        }
      }
    }, isStdout ? "bridge-client-stdout" : "bridge-client-stderr");
    t.setDaemon(true);
    t.start();
  }
}

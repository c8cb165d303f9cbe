package dev.docsync.transport.ws;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real automerge-repo client in its own node process ({@code src/test/js/repo-client.mjs}):
 * Repo + WebSocketClientAdapter, optionally NodeFSStorageAdapter. One JSON line per request and reply.
 */
public final class RepoClient implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(90);
  private static final String EOF = new String("<eof>");

  private final String name;
  private final Process process;
  private final BufferedWriter stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

  private RepoClient(String name, Process process) {
    this.name = name;
    this.process = process;
    this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true);
    pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false);
  }

  /** A repo with the given peerId syncing with ws://127.0.0.1:port/sync; storageDir null means no storage. */
  public static RepoClient start(String peerId, int port, Path storageDir) {
    RepoClient client = startWithToken(peerId, port, storageDir, null);
    client.call("waitConnected", new JsonObject());
    return client;
  }

  /** Like {@link #start} with "?token=" in the URL, as a browser app must; does not wait for the connection. */
  public static RepoClient startWithToken(String peerId, int port, Path storageDir, String token) {
    Path dir = JsAutomergePeer.jsDir();
    try {
      RepoClient client = new RepoClient(peerId, new ProcessBuilder("node", "repo-client.mjs").directory(dir.toFile()).start());
      String url = "ws://127.0.0.1:" + port + SyncEndpoint.PATH + (token == null ? "" : "?token=" + token);
      JsonObject start = new JsonObject().put("url", url).put("peerId", peerId).put("retryMs", 300);
      if (storageDir != null) {
        start.put("storageDir", storageDir.toString());
      }
      client.call("start", start);
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node repo-client.mjs in " + dir, e);
    }
  }

  /** The interop tests run when node_modules is installed; on CI (env CI set) its absence is a failure. */
  public static boolean installed() {
    try {
      return Files.isDirectory(JsAutomergePeer.jsDir().resolve("node_modules/@automerge/automerge-repo-network-websocket"));
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Sends one command; fails unless the reply says ok. */
  synchronized JsonObject call(String cmd, JsonObject args) {
    try {
      stdin.write(args.copy().put("cmd", cmd).encode());
      stdin.write('\n');
      stdin.flush();
      String line = replies.poll(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null || line == EOF) {
        process.destroyForcibly();
        throw new IllegalStateException(name + ": " + (line == null ? "no reply to " + cmd : "node exited during " + cmd));
      }
      JsonObject reply = new JsonObject(line);
      if (!reply.getBoolean("ok", false)) {
        throw new IllegalStateException(name + ": " + cmd + " failed: " + reply.getString("error"));
      }
      return reply;
    } catch (IOException e) {
      throw new UncheckedIOException(name + " is not accepting input", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  // ---- commands ----

  public void awaitConnected() {
    call("waitConnected", new JsonObject());
  }

  public String create(JsonObject value) {
    return call("create", new JsonObject().put("value", value)).getString("url");
  }

  String newUrl() {
    return call("newUrl", new JsonObject()).getString("url");
  }

  void createAt(String url, JsonObject value) {
    call("createAt", new JsonObject().put("url", url).put("value", value));
  }

  /** "ready", "unavailable" or "failed". */
  /** The terminal state of a find: ready, unavailable or failed; throws on timeout. */
  public String find(String url, int timeoutMs) {
    return call("find", new JsonObject().put("url", url).put("timeoutMs", timeoutMs)).getString("state");
  }

  String find(String url) {
    return call("find", new JsonObject().put("url", url)).getString("state");
  }

  public void put(String url, String key, Object value) {
    call("put", new JsonObject().put("url", url).put("key", key).put("value", value));
  }

  /** {@code count} changes, one key each; the reply has startedAt and finishedAt (epoch ms). */
  JsonObject putMany(String url, String prefix, int count, int yieldEvery) {
    return call("putMany", new JsonObject().put("url", url).put("prefix", prefix).put("count", count).put("yieldEvery", yieldEvery));
  }

  /** count changes, waiting delayMs after each: a typist. */
  JsonObject type(String url, String prefix, int count, int delayMs) {
    return call("putMany", new JsonObject().put("url", url).put("prefix", prefix).put("count", count).put("delayMs", delayMs));
  }

  /** Waits until doc[key] == value; returns the epoch ms when it was seen. */
  public long waitFor(String url, String key, Object value) {
    return call("waitFor", new JsonObject().put("url", url).put("key", key).put("value", value)).getLong("seenAt");
  }

  public JsonObject doc(String url) {
    return call("doc", new JsonObject().put("url", url)).getJsonObject("json");
  }

  List<String> heads(String url) {
    JsonArray heads = call("doc", new JsonObject().put("url", url)).getJsonArray("heads");
    return heads.stream().map(String.class::cast).sorted().toList();
  }

  void broadcast(String url, JsonObject message) {
    call("broadcast", new JsonObject().put("url", url).put("message", message));
  }

  JsonArray waitEphemeral(String url, int count) {
    return call("waitEphemeral", new JsonObject().put("url", url).put("count", count)).getJsonArray("messages");
  }

  JsonArray ephemerals(String url) {
    return call("ephemerals", new JsonObject().put("url", url)).getJsonArray("messages");
  }

  void flush() {
    call("flush", new JsonObject());
  }

  String peerId() {
    return name;
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        call("shutdown", new JsonObject());
      }
    } catch (RuntimeException ignored) {
      // best effort: it is killed below anyway
    }
    try {
      stdin.close();
      if (!process.waitFor(3, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException | InterruptedException e) {
      process.destroyForcibly();
    }
  }

  private void pump(BufferedReader reader, boolean isStdout) {
    Thread thread = new Thread(() -> {
      try (reader) {
        for (String line; (line = reader.readLine()) != null; ) {
          if (isStdout) {
            replies.add(line);
          } else {
            System.err.println("[" + name + "] " + line);
          }
        }
      } catch (IOException ignored) {
        // process gone
      } finally {
        if (isStdout) {
          replies.add(EOF);
        }
      }
    }, "repo-client-" + name);
    thread.setDaemon(true);
    thread.start();
  }
}

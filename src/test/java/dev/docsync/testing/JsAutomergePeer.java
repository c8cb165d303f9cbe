package dev.docsync.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.automerge.ChangeHash;

/**
 * A real {@code @automerge/automerge} peer: runs {@code node am-peer.mjs} from {@code src/test/js}
 * and talks to it one JSON line per request/reply. One peer holds one document and one sync state;
 * requests are serialized by {@link #call}.
 */
public final class JsAutomergePeer implements AutoCloseable {

  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(2);
  private static final String SCRIPT = "am-peer.mjs";
  // Put on the reply queue when stdout ends, so a waiting call fails fast instead of timing out.
  private static final String EOF = new String("<eof>");

  private final Process process;
  private final BufferedWriter stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private boolean broken;

  private JsAutomergePeer(Process process) {
    this.process = process;
    this.stdin =
        new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    pump("am-peer-stdout", process.getInputStream(), replies::add, () -> replies.add(EOF));
    pump("am-peer-stderr", process.getErrorStream(), line -> System.err.println("[am-peer] " + line), () -> {});
  }

  /** Starts a peer holding an empty document. */
  public static JsAutomergePeer start() {
    Path dir = jsDir();
    try {
      return new JsAutomergePeer(new ProcessBuilder("node", SCRIPT).directory(dir.toFile()).start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node " + SCRIPT + " in " + dir, e);
    }
  }

  /** {@code src/test/js}: Surefire runs in the project root; IDEs may not, so walk up from there. */
  public static Path jsDir() {
    for (Path p = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("src/test/js");
      if (Files.isRegularFile(candidate.resolve(SCRIPT))) {
        return candidate;
      }
    }
    throw new IllegalStateException("src/test/js/" + SCRIPT + " not found above " + System.getProperty("user.dir"));
  }

  /** True when {@code node} runs and the npm packages are installed (for JUnit assumptions). */
  public static boolean nodeAvailable() {
    try {
      if (!Files.isDirectory(jsDir().resolve("node_modules/@automerge/automerge"))) {
        return false;
      }
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getInputStream().transferTo(OutputStream.nullOutputStream());
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException | IllegalStateException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Sends one request and returns the raw reply, {@code {"ok":false,...}} included. A timeout or a
   * dead process leaves the line protocol out of step, so the peer is killed and unusable after.
   */
  public synchronized JsonObject call(JsonObject request) {
    if (broken) {
      throw new IllegalStateException("JS peer is no longer usable");
    }
    String line = null;
    String failure;
    try {
      stdin.write(request.encode()); // Vert.x encode() is single-line JSON
      stdin.write('\n');
      stdin.flush();
      line = replies.poll(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      failure = line == null ? "no reply within " + CALL_TIMEOUT : "JS peer exited";
    } catch (IOException e) {
      failure = "JS peer not accepting input (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    }
    if (line == null || line == EOF) {
      broken = true;
      process.destroyForcibly();
      throw new IllegalStateException(failure + " for " + request.encode());
    }
    return new JsonObject(line);
  }

  /** Like {@link #call} but fails unless the reply says ok. */
  public JsonObject callOk(JsonObject request) {
    JsonObject reply = call(request);
    if (!reply.getBoolean("ok", false)) {
      throw new IllegalStateException("JS peer error for " + request.getString("cmd") + ": " + reply.getString("error"));
    }
    return reply;
  }

  // ---- convenience commands; heads are hex strings as Automerge.getHeads gives them ----

  /** New empty document and fresh sync state. */
  public void init() {
    callOk(cmd("init"));
  }

  public List<String> load(byte[] bytes) {
    return heads(callOk(cmd("load").put("bytes", b64(bytes))));
  }

  /** One Automerge.change of the given ops (see {@link Ops}); returns the change, or null if it changed nothing. */
  public byte[] change(JsonArray ops) {
    String change = callOk(cmd("change").put("ops", ops)).getString("change");
    return change == null ? null : unb64(change);
  }

  public byte[] change(JsonObject... ops) {
    return change(new JsonArray(Arrays.asList((Object[]) ops)));
  }

  /** Each element must be exactly one change; use {@link #loadIncremental} for concatenations. */
  public List<String> applyChanges(List<byte[]> changes) {
    JsonArray arr = new JsonArray();
    changes.forEach(c -> arr.add(b64(c)));
    return heads(callOk(cmd("applyChanges").put("changes", arr)));
  }

  /** Automerge.loadIncremental: for a save, a saveSince or several concatenated changes. */
  public List<String> loadIncremental(byte[] bytes) {
    return heads(callOk(cmd("loadIncremental").put("bytes", b64(bytes))));
  }

  public byte[] save() {
    return unb64(callOk(cmd("save")).getString("bytes"));
  }

  public byte[] saveSince(List<String> heads) {
    return unb64(callOk(cmd("saveSince").put("heads", new JsonArray(List.copyOf(heads)))).getString("bytes"));
  }

  /** The document as plain JSON: text and strings as strings, counters as numbers. */
  public JsonObject json() {
    return callOk(cmd("json")).getJsonObject("json");
  }

  public List<String> heads() {
    return heads(callOk(cmd("heads")));
  }

  /** Next sync message for the peer on the other side, empty when there is nothing to send. */
  public Optional<byte[]> generateSync() {
    return Optional.ofNullable(callOk(cmd("generateSync")).getString("message")).map(JsAutomergePeer::unb64);
  }

  public List<String> receiveSync(byte[] message) {
    return heads(callOk(cmd("receiveSync").put("message", b64(message))));
  }

  public byte[] encodeSyncState() {
    return unb64(callOk(cmd("encodeSyncState")).getString("bytes"));
  }

  public void decodeSyncState(byte[] bytes) {
    callOk(cmd("decodeSyncState").put("bytes", b64(bytes)));
  }

  public void resetSyncState() {
    callOk(cmd("resetSyncState"));
  }

  /** Asks node to exit; kills it if it has not within 2 s. */
  @Override
  public synchronized void close() {
    try {
      if (!broken && process.isAlive()) {
        stdin.write(cmd("exit").encode());
        stdin.write('\n');
      }
      stdin.close(); // EOF also makes the peer exit
    } catch (IOException ignored) {
      // already gone
    }
    broken = true;
    try {
      if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  // ---- helpers ----

  /** Hex heads of a Java document, comparable with the JS peer's heads. */
  public static List<String> hexHeads(ChangeHash[] heads) {
    return Arrays.stream(heads).map(h -> HexFormat.of().formatHex(h.getBytes())).sorted().toList();
  }

  /** Builders for the ops of {@link #change}; paths are map keys from the root. */
  public static final class Ops {
    private Ops() {}

    public static JsonObject put(List<String> path, Object value) {
      return op("put", path).put("value", value);
    }

    public static JsonObject splice(List<String> path, int index, int delete, String insert) {
      return op("splice", path).put("index", index).put("delete", delete).put("insert", insert);
    }

    public static JsonObject push(List<String> path, Object value) {
      return op("push", path).put("value", value);
    }

    public static JsonObject increment(List<String> path, long by) {
      return op("increment", path).put("by", by);
    }

    private static JsonObject op(String name, List<String> path) {
      return new JsonObject().put("op", name).put("path", new JsonArray(List.copyOf(path)));
    }
  }

  private static JsonObject cmd(String name) {
    return new JsonObject().put("cmd", name);
  }

  private static List<String> heads(JsonObject reply) {
    return reply.getJsonArray("heads").stream().map(String.class::cast).sorted().toList();
  }

  // Standard base64 by hand: Vert.x's own byte[] JSON encoding is not the plain base64 node reads.
  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] unb64(String s) {
    return Base64.getDecoder().decode(s);
  }

  private static void pump(String name, InputStream in, Consumer<String> sink, Runnable atEnd) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  sink.accept(line);
                }
              } catch (IOException ignored) {
                // process killed
              } finally {
                atEnd.run();
              }
            },
            name);
    t.setDaemon(true);
    t.start();
  }
}

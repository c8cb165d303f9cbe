package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.docsync.testing.TestDatabases;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.automerge.AmValue;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * "A LOCAL_CHANGE that was acknowledged is present after the JVM is killed (SIGKILL, not a clean stop)
 * and restarted", checked the way a user would: docsync runs as a child JVM through its launcher, four
 * writer threads POST Automerge changes to the REST API, the child is SIGKILLed while they write, restarted
 * on the same database, and every change that got a 200 must be in the document it serves. Ten
 * kill/restart cycles; then a clean stop (SIGTERM) under the same load, a last restart and check, and a
 * clean stop that must leave no process behind.
 *
 * <p>Database: DOCSYNC_TEST_PG_URL set → a fresh database on that server (DOCSYNC_PG_URL); otherwise the
 * child runs its own embedded PostgreSQL in a fresh data directory under target/, so each SIGKILL orphans
 * that postmaster and the restart exercises EmbeddedPostgresServer's recovery of it.
 */
class DurabilityAfterKillTest {
  private static final int WRITERS = 4;
  private static final int KILL_CYCLES = 10;
  /** Acknowledgements to collect in a cycle before the child is killed, with the writers still running. */
  /** Kills land at random moments: after 20 to 150 more acknowledgements (seeded, so a failure replays). */
  private static final java.util.Random KILL_MOMENTS = new java.util.Random(Long.getLong("docsync.kill.seed", 42));
  /** Acknowledgements collected after the last restart before the clean stop (SIGTERM) under load. */
  private static final int ACKS_BEFORE_CLEAN_STOP = 50;
  /** Every writer writes both documents, each through its own replica (its own actor). */
  private static final List<String> DOC_IDS = List.of("durability-shared-a", "durability-shared-b");
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(30);

  private final Path target = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
  private final boolean external = TestDatabases.external();
  private Path workDir;
  private Path log;
  private Path dataDir;
  private String pgUrl;
  private int port;
  private int starts;
  private Process child;
  private volatile HttpClient http;

  /** docId → key → value of every change that was acknowledged with a 200. */
  private final Map<String, Map<String, Integer>> acked = new ConcurrentHashMap<>();
  private final AtomicInteger acks = new AtomicInteger();
  private final AtomicInteger nextKey = new AtomicInteger();
  private final AtomicInteger resentAcked = new AtomicInteger();
  private final List<Writer> writers = new ArrayList<>();
  /** Set just before the child is signalled: writer failures from then on are expected. */
  private volatile boolean killIssued;
  private volatile boolean stopWriters;

  @Test
  void acknowledgedChangesSurviveSigkillAndRestart() throws Exception {
    long t0 = System.nanoTime();
    Files.createDirectories(target);
    workDir = Files.createTempDirectory(target, "durability-after-kill-");
    log = workDir.resolve("docsync.log");
    dataDir = workDir.resolve("pgdata"); // created by the service
    pgUrl = external ? TestDatabases.freshDatabaseUrl() : null;
    port = freePort();
    DOC_IDS.forEach(id -> acked.put(id, new ConcurrentHashMap<>()));
    for (int w = 0; w < WRITERS; w++) {
      writers.add(new Writer(w));
    }
    System.out.printf("[durability] database: %s; child output: %s%n",
        external ? "external " + pgUrl : "embedded in " + dataDir, log);
    boolean passed = false;
    try {
      startService();
      int verified = 0;
      for (int cycle = 1; cycle <= KILL_CYCLES; cycle++) {
        writeThenKill(cycle);
        startService();
        verified += verifyAcknowledged("after SIGKILL #" + cycle);
      }
      writeThenTerminate();
      startService();
      verified += verifyAcknowledged("after the SIGTERM under load");
      stopCleanly();
      System.out.printf("[durability] %d changes acknowledged (%d of them retries of a change in flight at a kill),"
              + " %d key checks in %d verifications, %d starts, %d ms%n",
          acks.get(), resentAcked.get(), verified, KILL_CYCLES + 1, starts,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      passed = true;
    } catch (Throwable e) {
      printLogTail(120);
      throw e;
    } finally {
      cleanUp(passed);
    }
  }

  // ---------------------------------------------------------------- phases

  /** Writers run until a random number of further acknowledgements, then the child is SIGKILLed under them. */
  private void writeThenKill(int cycle) throws Exception {
    int before = acks.get();
    startWriters();
    awaitAcks(before + 20 + KILL_MOMENTS.nextInt(131));

    OptionalLong postmaster = external ? OptionalLong.empty() : postmasterPid();
    killIssued = true;
    assertThat(child.isAlive()).as("child alive before the kill").isTrue();
    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no clean stop of anything
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("child gone after SIGKILL").isTrue();
    int exit = child.exitValue();
    int ackedAtKill = acks.get() - before;
    joinWriters();
    System.out.printf("[durability] cycle %d: SIGKILL after %d acks this cycle (%d in all), exit code %d%s%n",
        cycle, ackedAtKill, acks.get(), exit,
        postmaster.isPresent() ? ", orphaned postmaster pid " + postmaster.getAsLong()
            + (servesDataDir(postmaster.getAsLong()) ? " still running" : " gone") : "");
    assertThat(exit).as("exit code of a SIGKILLed JVM (128 + 9), not a clean exit").isEqualTo(137);
    for (Writer w : writers) {
      assertThat(w.protocolError).as("writer %d: acknowledgement content", w.id).isNull();
      assertThat(w.failure).as("writer %d stops at the first failed request once the server is gone", w.id).isNotNull();
      assertThat(w.failedBeforeKill).as("writer %d failed before the kill: %s", w.id, w.failure).isFalse();
    }
  }

  /**
   * A clean stop (SIGTERM) while the writers run: what was acknowledged until the service went away must
   * be there after the restart too.
   */
  private void writeThenTerminate() throws Exception {
    int before = acks.get();
    startWriters();
    awaitAcks(before + ACKS_BEFORE_CLEAN_STOP);
    killIssued = true;
    stopCleanly();
    joinWriters();
    System.out.printf("[durability] SIGTERM under load after %d acks (%d in all)%n", acks.get() - before, acks.get());
    for (Writer w : writers) {
      assertThat(w.protocolError).as("writer %d: acknowledgement content", w.id).isNull();
      assertThat(w.failedBeforeKill).as("writer %d failed before the stop: %s", w.id, w.failure).isFalse();
    }
  }

  private void awaitAcks(int total) throws InterruptedException {
    long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
    while (acks.get() < total) {
      List<String> stopped = writers.stream().filter(w -> !w.thread.isAlive())
          .map(w -> "writer " + w.id + ": " + (w.protocolError != null ? w.protocolError : w.failure)).toList();
      if (!stopped.isEmpty()) {
        fail("writers stopped before %d acknowledgements (have %d): %s", total, acks.get(), stopped);
      }
      if (System.nanoTime() > deadline) {
        fail("only %d of %d acknowledgements within %s", acks.get(), total, PHASE_TIMEOUT);
      }
      Thread.sleep(5);
    }
  }

  /**
   * GETs every document and checks that each acknowledged key is in the snapshot (loaded with Automerge)
   * with its value, and in the JSON view too. Writers are stopped: the acknowledged set is final here.
   */
  private int verifyAcknowledged(String when) throws Exception {
    int checked = 0;
    List<String> problems = new ArrayList<>();
    for (String docId : DOC_IDS) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/api/docs/" + docId))
          .timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET %s %s: %s", docId, when, response.body()).isEqualTo(200);
      JsonObject body = new JsonObject(response.body());
      assertThat(body.getString("docId")).isEqualTo(docId);
      JsonObject view = body.getJsonObject("view");
      Document doc = Document.load(Base64.getDecoder().decode(body.getString("snapshot")));
      try {
        for (Map.Entry<String, Integer> e : acked.get(docId).entrySet()) {
          Optional<AmValue> value = doc.get(ObjectId.ROOT, e.getKey());
          if (value.isEmpty() || !(value.get() instanceof AmValue.Int n) || n.getValue() != e.getValue()) {
            problems.add(docId + ": snapshot has " + e.getKey() + " = " + value.map(Object::toString).orElse("nothing")
                + ", acknowledged " + e.getValue());
          }
          Object shown = view.getValue(e.getKey());
          if (!(shown instanceof Number num) || num.intValue() != e.getValue()) {
            problems.add(docId + ": view has " + e.getKey() + " = " + shown + ", acknowledged " + e.getValue());
          }
          checked++;
        }
      } finally {
        doc.free();
      }
    }
    System.out.printf("[durability] %s: %d acknowledged changes checked, %d missing or wrong%n",
        when, checked, problems.size());
    assertThat(problems.subList(0, Math.min(20, problems.size())))
        .as("%d acknowledged changes missing or wrong %s (first 20 shown)", problems.size(), when).isEmpty();
    assertThat(checked).isEqualTo(acks.get());
    return checked;
  }

  /** SIGTERM: the launcher's shutdown hook closes Vert.x, which stops the service (and its embedded PostgreSQL). */
  private void stopCleanly() throws InterruptedException {
    OptionalLong postmaster = external ? OptionalLong.empty() : postmasterPid();
    child.destroy();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child stopped within 60 s of SIGTERM").isTrue();
    System.out.printf("[durability] clean stop: exit code %d%n", child.exitValue());
    // A JVM ending on SIGTERM exits 143 after its shutdown hooks ran.
    assertThat(child.exitValue()).as("exit code after SIGTERM").isIn(0, 143);
    if (postmaster.isPresent()) {
      assertThat(servesDataDir(postmaster.getAsLong())).as("embedded postmaster stopped by the service").isFalse();
      assertThat(dataDir.resolve("postmaster.pid")).as("clean PostgreSQL shutdown removes postmaster.pid").doesNotExist();
    }
  }

  // ---------------------------------------------------------------- the child

  private void startService() throws Exception {
    starts++;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Djava.io.tmpdir=" + target, "-cp", System.getProperty("java.class.path"),
        "io.vertx.launcher.application.VertxApplication", "dev.docsync.DocsyncVerticle");
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("DOCSYNC_")); // nothing of the caller's settings leaks in
    env.put("DOCSYNC_HTTP_HOST", "127.0.0.1");
    env.put("DOCSYNC_HTTP_PORT", Integer.toString(port));
    env.put("DOCSYNC_AUTH_ENABLED", "false");
    // Compaction every 50 chunks: kills also land on snapshot rewrites, not only on plain appends.
    env.put("DOCSYNC_COMPACT_MAX_CHUNKS", "50");
    if (external) {
      env.put("DOCSYNC_PG_URL", pgUrl);
    } else {
      env.put("DOCSYNC_DATA_DIR", dataDir.toString());
    }
    Files.writeString(log, "\n===== start #" + starts + " =====\n", StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    long t0 = System.nanoTime();
    child = pb.start();
    // A new client per incarnation: no pooled connection of the killed server is ever reused.
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    awaitHealthy();
    System.out.printf("[durability] start #%d (pid %d) healthy in %d ms%n",
        starts, child.pid(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  private void awaitHealthy() throws Exception {
    long deadline = System.nanoTime() + HEALTH_TIMEOUT.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (!child.isAlive()) {
        fail("docsync exited with code %d before it was healthy (last /health: %s)", child.exitValue(), last);
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(3)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(100);
    }
    fail("docsync not healthy within %s (last /health: %s)", HEALTH_TIMEOUT, last);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  // ---------------------------------------------------------------- writers

  private void startWriters() {
    killIssued = false;
    stopWriters = false;
    for (Writer w : writers) {
      w.failure = null;
      w.failedBeforeKill = false;
      w.thread = new Thread(w, "durability-writer-" + w.id);
      w.thread.setDaemon(true);
      w.thread.start();
    }
  }

  private void joinWriters() throws InterruptedException {
    for (Writer w : writers) {
      w.thread.join(REQUEST_TIMEOUT.toMillis() + 5_000);
      assertThat(w.thread.isAlive()).as("writer %d still running", w.id).isFalse();
    }
  }

  /**
   * One client editing both documents, each through its own replica. Every change sets a key no other
   * change sets ("k" + a global counter), so the set of acknowledged keys fully describes what must survive.
   * A change whose request failed stays pending and is sent again first when the writer resumes (a retry,
   * as any client would do after an outage): later changes depend on it.
   */
  private final class Writer implements Runnable {
    final int id;
    final Map<String, Document> replicas = new LinkedHashMap<>();
    Thread thread;
    Change pending;
    int turn;
    volatile String failure;
    volatile boolean failedBeforeKill;
    volatile String protocolError;

    Writer(int id) {
      this.id = id;
      DOC_IDS.forEach(docId -> replicas.put(docId, new Document()));
    }

    @Override
    public void run() {
      while (!stopWriters) {
        boolean retry = pending != null;
        Change change = retry ? pending : nextChange();
        pending = change;
        HttpResponse<String> response;
        try {
          response = http.send(HttpRequest.newBuilder(uri("/api/docs/" + change.docId + "/changes"))
                  .timeout(REQUEST_TIMEOUT)
                  .header("Content-Type", "application/octet-stream")
                  .header("X-Docsync-Origin", "writer-" + id)
                  .POST(HttpRequest.BodyPublishers.ofByteArray(change.bytes))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
          failed(e.toString());
          return;
        } catch (InterruptedException e) {
          failed("interrupted");
          Thread.currentThread().interrupt();
          return;
        }
        if (response.statusCode() != 200) {
          failed("HTTP " + response.statusCode() + " " + response.body());
          return;
        }
        String problem = checkAck(change, response.body());
        if (problem != null) {
          protocolError = problem;
          return;
        }
        acked.get(change.docId).put(change.key, change.value);
        pending = null;
        if (retry) {
          resentAcked.incrementAndGet();
        }
        acks.incrementAndGet();
      }
    }

    private void failed(String why) {
      failedBeforeKill = !killIssued;
      failure = why;
    }

    /** The 200 must be {docId, heads} with heads of a state that holds the change (no one else depends on it). */
    private String checkAck(Change change, String body) {
      try {
        JsonObject json = new JsonObject(body);
        JsonArray heads = json.getJsonArray("heads");
        if (!change.docId.equals(json.getString("docId")) || heads == null || !heads.contains(change.hash)) {
          return "ack of " + change.key + " (" + change.hash + ") on " + change.docId + " is " + body;
        }
        return null;
      } catch (RuntimeException e) {
        return "ack of " + change.key + " is not JSON: " + body;
      }
    }

    private Change nextChange() {
      String docId = DOC_IDS.get(turn++ % DOC_IDS.size());
      Document doc = replicas.get(docId);
      int i = nextKey.getAndIncrement();
      ChangeHash[] before = doc.getHeads();
      ChangeHash hash;
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "k" + i, i);
        hash = tx.commit().orElseThrow();
      }
      return new Change(docId, "k" + i, i, doc.encodeChangesSince(before), HexFormat.of().formatHex(hash.getBytes()));
    }

    void free() {
      replicas.values().forEach(Document::free);
      replicas.clear();
    }
  }

  private record Change(String docId, String key, int value, byte[] bytes, String hash) {}

  // ---------------------------------------------------------------- cleanup and helpers

  private void cleanUp(boolean passed) throws Exception {
    stopWriters = true;
    for (Writer w : writers) {
      if (w.thread != null) {
        w.thread.join(REQUEST_TIMEOUT.toMillis() + 5_000);
      }
    }
    if (child != null && child.isAlive()) {
      child.destroy();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (!external) {
      stopOrphanedPostmaster();
    }
    writers.forEach(w -> {
      if (w.thread == null || !w.thread.isAlive()) {
        w.free();
      }
    });
    if (passed && !external) {
      deleteTree(dataDir); // keep everything for diagnosis when the test failed
    }
  }

  /** After a failure between a SIGKILL and the next start, the child's postmaster is still running: stop it. */
  private void stopOrphanedPostmaster() throws InterruptedException {
    OptionalLong pid = postmasterPid();
    if (pid.isEmpty() || !servesDataDir(pid.getAsLong())) {
      return;
    }
    System.out.printf("[durability] stopping the orphaned postmaster %d%n", pid.getAsLong());
    Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong());
    if (handle.isEmpty()) {
      return;
    }
    handle.get().destroy(); // SIGTERM: smart shutdown, its clients died with the child
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (servesDataDir(pid.getAsLong()) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    if (servesDataDir(pid.getAsLong())) {
      handle.get().destroyForcibly();
    }
  }

  private OptionalLong postmasterPid() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
      return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** A postmaster's working directory is its data directory (a reused pid or a zombie has another, or none). */
  private boolean servesDataDir(long pid) {
    try {
      return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), dataDir);
    } catch (IOException e) {
      return false;
    }
  }

  private void printLogTail(int lines) {
    try {
      List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
      System.out.printf("----- last %d lines of %s -----%n", Math.min(lines, all.size()), log);
      all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.out::println);
      System.out.println("----- end of child output -----");
    } catch (IOException | RuntimeException e) {
      System.out.println("cannot read child output " + log + ": " + e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.out.println("could not delete " + dir + ": " + e);
    }
  }
}

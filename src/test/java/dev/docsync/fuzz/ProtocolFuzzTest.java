package dev.docsync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.limits.BridgeClient;
import dev.docsync.limits.Metrics;
import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import dev.docsync.transport.ws.SyncEndpoint;
import dev.docsync.transport.ws.WsCodec;
import dev.docsync.transport.ws.WsDecodeException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the node from outside: at least 100,000 random and mutated automerge-repo frames against
 * {@code /sync}, and a share of random and mutated event-bus frames against the SockJS bridge (raw
 * WebSocket transport) and the TCP bridge, all pipelined on many sockets at once. Every choice (seed
 * message, mutation, positions, session lengths) comes from {@code new Random(seed, session)}
 * ({@code -Dfuzz.seed=...}; frame counts {@code -Dfuzz.wsFrames}, {@code -Dfuzz.sockJsFrames},
 * {@code -Dfuzz.tcpFrames}); the Automerge seed material carries change hashes and timestamps, so its
 * bytes, and with them a few session lengths, differ from run to run.
 *
 * <p>Asserted: the node does not crash (health, and a fresh client joins and syncs a new document both
 * ways at the end); no socket hangs (every fuzz session ends with its socket answering a probe or
 * closed by the server, within a bound); documents a real client wrote before are unchanged (heads and
 * JSON view); the refusals were counted (endpoint counters, core rejected inputs, limits exceeded).
 */
@Timeout(300)
class ProtocolFuzzTest {
  private static final long SEED = Long.getLong("fuzz.seed", 0x5EED_D0C5L);
  private static final int WS_FRAMES = Integer.getInteger("fuzz.wsFrames", 100_000);
  private static final int SOCKJS_FRAMES = Integer.getInteger("fuzz.sockJsFrames", 15_000);
  private static final int TCP_FRAMES = Integer.getInteger("fuzz.tcpFrames", 15_000);
  private static final int WS_WORKERS = 6;
  private static final int BRIDGE_WORKERS = 2;
  private static final int MAX_MESSAGE_BYTES = 64 * 1024;
  private static final int DOCS_PER_CONNECTION = 16;
  private static final long JOIN_TIMEOUT_MS = 2000;
  /** DOCSYNC_LIMIT_MESSAGE_BURST, left at its default here. */
  private static final int BURST = 1000;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(20);
  private static final Duration PROBE_WAIT = Duration.ofSeconds(30);

  static {
    // Every refused input is logged by the core (INFO, dev.docsync.doc.ServerEvents): 100,000 log lines through
    // surefire's capture would be most of this test's time. Takes effect when this class runs first in its JVM.
    System.setProperty("org.slf4j.simpleLogger.log.dev.docsync", "warn");
    System.setProperty("org.slf4j.simpleLogger.log.io.vertx.ext.web.handler.sockjs", "off");
  }

  private static TestService service;
  private static int tcpPort;
  private static Vertx clients;

  /** How a fuzz session ended. */
  enum Outcome { USABLE, CLOSED_AFTER_FATAL_FRAME, CLOSED, HANG }

  private final ConcurrentMap<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
  private final List<String> hangs = new CopyOnWriteArrayList<>();
  private final ConcurrentMap<String, AtomicLong> labels = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    service = TestService.start(new JsonObject()
        .put("DOCSYNC_BRIDGE_TCP_ENABLED", true)
        .put("DOCSYNC_BRIDGE_TCP_PORT", 0)
        .put("DOCSYNC_WS_MAX_MESSAGE_BYTES", MAX_MESSAGE_BYTES)
        .put("DOCSYNC_LIMIT_DOCS_PER_CONNECTION", DOCS_PER_CONNECTION)
        .put("DOCSYNC_LIMIT_JOIN_TIMEOUT_MS", JOIN_TIMEOUT_MS));
    tcpPort = service.verticle().bridges().tcpPort();
    clients = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  @AfterAll
  static void stop() {
    if (clients != null) {
      Await.result(clients.close());
    }
    if (service != null) {
      service.close();
    }
  }

  @Test
  void theNodeSurvivesFuzzedFramesOnEveryTransport() throws Exception {
    // A real client writes the documents that must come out unchanged.
    List<String> protectedDocs = new ArrayList<>();
    Map<String, List<String>> headsBefore = new TreeMap<>();
    Map<String, JsonObject> viewsBefore = new TreeMap<>();
    List<byte[]> snapshots = new ArrayList<>();
    try (WsSyncPeer writer = new WsSyncPeer(WsClient.connect(clients, service.httpPort()), "real-writer")) {
      for (int i = 0; i < 3; i++) {
        String doc = "protected-" + UUID.randomUUID().toString().replace("-", "");
        int n = i;
        writer.open(doc, tx -> {
          tx.set(ObjectId.ROOT, "title", "protected " + n);
          ObjectId list = tx.set(ObjectId.ROOT, "items", ObjectType.LIST);
          tx.insert(list, 0, "first");
          tx.set(ObjectId.ROOT, "n", n);
        });
        writer.change(doc, tx -> tx.set(ObjectId.ROOT, "edited", true));
        await().atMost(Duration.ofSeconds(10)).until(() -> service.heads(doc).equals(writer.heads(doc)));
        protectedDocs.add(doc);
      }
    }
    for (String doc : protectedDocs) {
      JsonObject read = read(doc);
      headsBefore.put(doc, service.heads(doc));
      viewsBefore.put(doc, read.getJsonObject("view"));
      snapshots.add(Base64.getDecoder().decode(read.getString("snapshot")));
    }
    List<String> fuzzDocs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      fuzzDocs.add("fz-doc-" + i);
    }
    FuzzCorpus corpus = new FuzzCorpus(SEED, fuzzDocs, protectedDocs, snapshots);

    WsPlanner ws = new WsPlanner(new WsFrameFuzzer(corpus, MAX_MESSAGE_BYTES), WS_FRAMES);
    BridgePlanner sockJs = new BridgePlanner(new BridgeFrameFuzzer(corpus), SOCKJS_FRAMES, false);
    BridgePlanner tcp = new BridgePlanner(new BridgeFrameFuzzer(corpus), TCP_FRAMES, true);
    WebSocketClient wsClient = WsClient.sharedClient(clients);
    NetClient netClient = clients.createNetClient();

    long start = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(WS_WORKERS + 2 * BRIDGE_WORKERS);
    List<Future<?>> workers = new ArrayList<>();
    for (int i = 0; i < WS_WORKERS; i++) {
      workers.add(pool.submit(() -> runAll(ws, s -> runWs(wsClient, s))));
    }
    for (int i = 0; i < BRIDGE_WORKERS; i++) {
      workers.add(pool.submit(() -> runAll(sockJs, s -> runBridge(wsClient, netClient, s, false))));
      workers.add(pool.submit(() -> runAll(tcp, s -> runBridge(wsClient, netClient, s, true))));
    }
    for (Future<?> worker : workers) {
      worker.get(240, TimeUnit.SECONDS);
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - start) / 1e9;

    // ---- the node is fine ----
    JsonObject wsStats = Await.result(service.vertx().eventBus().<JsonObject>request(SyncEndpoint.STATS_ADDRESS, null)).body();
    String scrape = Metrics.scrape(service.httpPort());
    System.out.printf("[fuzz] seed %d: %d WebSocket frames (%d sent, those past the burst of a few long sessions slowed down "
            + "by the rate limit) in %d sessions, %d SockJS frames in %d sessions, %d TCP frames in %d sessions, %.1f s%n",
        SEED, ws.frames(), ws.sent(), ws.sessions(), sockJs.frames(), sockJs.sessions(), tcp.frames(), tcp.sessions(), seconds);
    System.out.println("[fuzz] outcomes " + new TreeMap<>(outcomes));
    System.out.println("[fuzz] frame kinds " + new TreeMap<>(labels));
    System.out.println("[fuzz] /sync rejected " + wsStats.getJsonObject("rejected") + " ignored " + wsStats.getJsonObject("ignored"));
    System.out.printf("[fuzz] core rejected inputs %.0f, limits exceeded ws %.0f sockjs %.0f tcp %.0f%n",
        Metrics.sum(scrape, "docsync_rejected_inputs_total"),
        Metrics.sum(scrape, "docsync_limits_exceeded_total", "transport=\"ws\""),
        Metrics.sum(scrape, "docsync_limits_exceeded_total", "transport=\"sockjs\""),
        Metrics.sum(scrape, "docsync_limits_exceeded_total", "transport=\"tcp\""));
    System.out.println("[fuzz] limits " + limitLines(scrape));
    System.out.printf("[fuzz] bridge frames refused as malformed: sockjs %.0f, tcp %.0f%n",
        Metrics.sum(scrape, "docsync_bridge_malformed_total", "transport=\"sockjs\""),
        Metrics.sum(scrape, "docsync_bridge_malformed_total", "transport=\"tcp\""));

    assertThat(hangs).as("sessions whose socket neither answered nor was closed").isEmpty();
    assertThat(ws.frames()).isGreaterThanOrEqualTo(WS_FRAMES);
    assertThat(sockJs.frames()).isGreaterThanOrEqualTo(SOCKJS_FRAMES);
    assertThat(tcp.frames()).isGreaterThanOrEqualTo(TCP_FRAMES);
    assertThat(health()).isEqualTo(200);

    // Documents written before the fuzzing: unchanged.
    for (String doc : protectedDocs) {
      assertThat(service.heads(doc)).as("heads of " + doc).isEqualTo(headsBefore.get(doc));
      assertThat(read(doc).getJsonObject("view")).as("view of " + doc).isEqualTo(viewsBefore.get(doc));
    }

    // A fresh client joins and syncs a new document; another fresh client gets it; a bridged client reads it.
    String fresh = "after-fuzz-" + UUID.randomUUID();
    try (WsSyncPeer alice = new WsSyncPeer(WsClient.connect(clients, service.httpPort()), "after-alice");
         WsSyncPeer bob = new WsSyncPeer(WsClient.connect(clients, service.httpPort()), "after-bob")) {
      alice.open(fresh, tx -> tx.set(ObjectId.ROOT, "survived", true));
      await().atMost(Duration.ofSeconds(15)).until(() -> service.heads(fresh).equals(alice.heads(fresh)));
      bob.open(fresh, null);
      await().atMost(Duration.ofSeconds(15)).until(() -> alice.heads(fresh).equals(bob.heads(fresh)));
      bob.change(fresh, tx -> tx.set(ObjectId.ROOT, "bob", "was here"));
      await().atMost(Duration.ofSeconds(15)).until(() -> alice.heads(fresh).equals(bob.heads(fresh)));
      for (boolean overTcp : new boolean[] {false, true}) {
        try (BridgeClient reader = overTcp ? BridgeClient.tcp(clients, tcpPort, null) : BridgeClient.sockJs(clients, service.httpPort(), null)) {
          JsonObject reply = reader.reply(reader.request(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", fresh)));
          assertThat(reply.getJsonObject("body").getJsonObject("view").getString("bob")).isEqualTo("was here");
        }
      }
    }

    // The refusals were counted.
    JsonObject rejected = wsStats.getJsonObject("rejected");
    for (String reason : List.of("NOT_CBOR", "NOT_A_MAP", "BAD_FIELD", "UNKNOWN_TYPE", "TEXT_FRAME", "TOO_LARGE",
        "INVALID_SYNC_MESSAGE")) {
      assertThat(rejected.getLong(reason, 0L)).as("/sync rejected " + reason).isPositive();
    }
    assertThat(wsStats.getJsonObject("ignored").getLong("UNBOUND_SENDER", 0L)).isPositive();
    assertThat(Metrics.sum(scrape, "docsync_rejected_inputs_total")).isPositive();
    assertThat(Metrics.sum(scrape, "docsync_limits_exceeded_total", "transport=\"ws\"")).isPositive();
    assertThat(Metrics.limitExceeded(service.httpPort(), "message_size", "tcp")).isPositive();
    assertThat(Metrics.sum(scrape, "docsync_bridge_malformed_total", "transport=\"tcp\"")).isPositive();
    assertThat(Metrics.sum(scrape, "docsync_bridge_malformed_total", "transport=\"sockjs\"")).isPositive();
    assertThat(outcomes.get(Outcome.USABLE.name()).get()).isPositive();
  }

  // ---- sessions ----

  private interface Planner<S> {
    S next();
  }

  private interface Runner<S> {
    Outcome run(S session) throws Exception;
  }

  private <S> void runAll(Planner<S> planner, Runner<S> runner) {
    S session;
    while ((session = planner.next()) != null) {
      Outcome outcome;
      try {
        outcome = runner.run(session);
      } catch (Exception | AssertionError e) {
        hangs.add(session + ": " + e);
        outcome = Outcome.HANG;
      }
      outcomes.computeIfAbsent(outcome.name(), k -> new AtomicLong()).incrementAndGet();
    }
  }

  private void label(String transport, String label) {
    labels.computeIfAbsent(transport + ":" + label, k -> new AtomicLong()).incrementAndGet();
  }

  record WsSession(int index, String peer, boolean joined, List<WsFrameFuzzer.Frame> frames, boolean endsFatal) {
    @Override
    public String toString() {
      return "ws session " + index + " (" + frames.size() + " frames, joined " + joined + ", last "
          + frames.get(frames.size() - 1).label() + ")";
    }
  }

  /** WebSocket sessions, in a fixed order: session i is made from Random(SEED, i) alone. */
  private static final class WsPlanner implements Planner<WsSession> {
    private final WsFrameFuzzer fuzzer;
    private final int target;
    private final WsCodec codec = new WsCodec();
    private int sessions;
    private long frames;
    private long sent;

    WsPlanner(WsFrameFuzzer fuzzer, int target) {
      this.fuzzer = fuzzer;
      this.target = target;
    }

    @Override
    public synchronized WsSession next() {
      if (frames >= target) {
        return null;
      }
      int index = sessions++;
      Random r = new Random(SEED * 1_000_003L + index);
      String peer = "fz-" + index;
      boolean joined = r.nextInt(100) >= 5;
      // A few long sessions send more than the burst: the rest is read at the rate limit (and counted); they end with no fatal frame.
      boolean longSession = joined && r.nextInt(100) < 2;
      int max = !joined ? 1 + r.nextInt(12) : longSession ? BURST + 50 + r.nextInt(200) : 20 + r.nextInt(380);
      List<WsFrameFuzzer.Frame> list = new ArrayList<>();
      boolean fatal = false;
      while (list.size() < max && !fatal) {
        WsFrameFuzzer.Frame frame = fuzzer.next(r, peer, joined);
        fatal = fatal(frame);
        if (fatal && longSession) {
          fatal = false;
          continue;
        }
        list.add(frame);
      }
      // Frames the server reads: those of a long session past the burst are mostly dropped unread (and counted as such).
      frames += longSession ? Math.min(list.size(), BURST) : list.size();
      sent += list.size();
      return new WsSession(index, peer, joined, list, fatal);
    }

    /** Whether the server closes the socket on this frame (the server's own codec says, as the test's schedule needs). */
    private boolean fatal(WsFrameFuzzer.Frame frame) {
      if (frame.wire() == WsFrameFuzzer.Wire.TEXT) {
        return false;
      }
      if (frame.bytes().length > MAX_MESSAGE_BYTES) {
        return true;
      }
      try {
        codec.decode(frame.bytes());
        return false;
      } catch (WsDecodeException e) {
        return e.kind().fatal();
      }
    }

    synchronized long frames() {
      return frames;
    }

    synchronized long sent() {
      return sent;
    }

    synchronized int sessions() {
      return sessions;
    }
  }

  private Outcome runWs(WebSocketClient wsClient, WsSession s) throws Exception {
    WsClient c = Await.result(WsClient.connect(wsClient, service.httpPort()));
    try {
      if (s.joined()) {
        c.send(WsClient.joinMessage(s.peer()));
        if (waitFor(c, m -> "peer".equals(m.get("type")), PROBE_WAIT) == null) {
          return c.isClosed() ? Outcome.CLOSED : hang(s + ": no answer to join");
        }
      }
      for (WsFrameFuzzer.Frame frame : s.frames()) {
        label("ws", frame.label());
        send(c, frame);
      }
      if (s.endsFatal()) {
        return awaitClosed(c, CLOSE_WAIT) ? Outcome.CLOSED_AFTER_FATAL_FRAME : hang(s + ": not closed after its fatal frame");
      }
      if (!s.joined()) {
        c.send(WsClient.joinMessage(s.peer()));
        if (waitFor(c, m -> "peer".equals(m.get("type")), PROBE_WAIT) == null) {
          return c.isClosed() ? Outcome.CLOSED : hang(s + ": neither joined nor closed");
        }
      }
      // The probe is sent again every second: after a burst over the rate limit, it waits its turn.
      String probe = "fz-probe-" + s.index();
      long deadline = System.nanoTime() + PROBE_WAIT.toNanos();
      while (System.nanoTime() < deadline && !c.isClosed()) {
        c.send(WsClient.docMessage("request", s.peer(), probe, WsSyncPeer.emptyDocSyncMessage()));
        if (waitFor(c, m -> "doc-unavailable".equals(m.get("type")) && probe.equals(m.get("documentId")),
            Duration.ofSeconds(1)) != null) {
          return Outcome.USABLE;
        }
      }
      return c.isClosed() ? Outcome.CLOSED : hang(s + ": probe unanswered, socket open");
    } finally {
      c.close();
    }
  }

  private static void send(WsClient c, WsFrameFuzzer.Frame frame) {
    switch (frame.wire()) {
      case TEXT -> c.socket().writeTextMessage(new String(frame.bytes(), StandardCharsets.ISO_8859_1));
      case FRAGMENTED -> {
        byte[] b = frame.bytes();
        int cut = b.length / 2;
        c.socket().writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(java.util.Arrays.copyOf(b, cut)), false));
        c.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[0]), false));
        c.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(java.util.Arrays.copyOfRange(b, cut, b.length)), true));
      }
      default -> c.sendRaw(frame.bytes());
    }
  }

  /** The first message matching, or null once the socket is closed (or after {@code wait}: then not closed). */
  private static Map<String, Object> waitFor(WsClient c, Predicate<Map<String, Object>> wanted, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Object> m = c.poll(Duration.ofMillis(50));
      if (m != null) {
        if (wanted.test(m)) {
          return m;
        }
      } else if (c.isClosed()) {
        return null;
      }
    }
    return null;
  }

  private static boolean awaitClosed(WsClient c, Duration wait) {
    try {
      c.closed().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private Outcome hang(String why) {
    hangs.add(why);
    return Outcome.HANG;
  }

  // ---- bridges ----

  record BridgeSession(int index, boolean tcp, List<BridgeFrameFuzzer.Frame> frames, boolean endsFatal) {
    @Override
    public String toString() {
      return (tcp ? "tcp" : "sockjs") + " session " + index + " (" + frames.size() + " frames, last "
          + frames.get(frames.size() - 1).label() + ")";
    }
  }

  private static final class BridgePlanner implements Planner<BridgeSession> {
    private final BridgeFrameFuzzer fuzzer;
    private final int target;
    private final boolean tcp;
    private int sessions;
    private long frames;

    BridgePlanner(BridgeFrameFuzzer fuzzer, int target, boolean tcp) {
      this.fuzzer = fuzzer;
      this.target = target;
      this.tcp = tcp;
    }

    @Override
    public synchronized BridgeSession next() {
      if (frames >= target) {
        return null;
      }
      int index = sessions++;
      Random r = new Random(SEED * 7_000_003L + index * 2L + (tcp ? 1 : 0));
      int max = 20 + r.nextInt(300);
      List<BridgeFrameFuzzer.Frame> list = new ArrayList<>();
      boolean fatal = false;
      while (list.size() < max && !fatal) {
        BridgeFrameFuzzer.Frame frame = fuzzer.next(r, tcp);
        fatal = frame.hugeLength() > 0;
        list.add(frame);
      }
      frames += list.size();
      return new BridgeSession(index, tcp, list, fatal);
    }

    synchronized long frames() {
      return frames;
    }

    synchronized int sessions() {
      return sessions;
    }
  }

  private Outcome runBridge(WebSocketClient wsClient, NetClient netClient, BridgeSession s, boolean tcp) throws Exception {
    BridgeClient c = Await.result(tcp ? BridgeClient.tcp(netClient, tcpPort) : BridgeClient.sockJs(wsClient, service.httpPort()));
    try {
      for (BridgeFrameFuzzer.Frame frame : s.frames()) {
        label(tcp ? "tcp" : "sockjs", frame.label());
        if (frame.hugeLength() > 0) {
          Buffer bytes = Buffer.buffer().appendInt((int) frame.hugeLength()).appendString(frame.text());
          ((BridgeClient.Tcp) c).sendBytes(bytes.getBytes());
        } else if (frame.binary()) {
          ((BridgeClient.SockJs) c).socket().writeBinaryMessage(Buffer.buffer(frame.text()));
        } else {
          c.sendText(frame.text());
        }
      }
      if (s.endsFatal()) {
        try {
          c.closed().get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
          return Outcome.CLOSED_AFTER_FATAL_FRAME;
        } catch (Exception e) {
          return hang(s + ": not closed after a huge frame length");
        }
      }
      String reply = c.request(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", "fz-doc-0").put("view", false));
      long deadline = System.nanoTime() + PROBE_WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        try {
          c.next(f -> reply.equals(f.getValue("address")), Duration.ofMillis(100));
          return Outcome.USABLE;
        } catch (AssertionError notYet) {
          if (c.isClosed()) {
            return Outcome.CLOSED;
          }
        }
      }
      return hang(s + ": probe unanswered, socket open");
    } finally {
      c.close();
    }
  }

  // ---- helpers ----

  private static JsonObject read(String doc) {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", doc)));
  }

  private static int health() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }

  private static List<String> limitLines(String scrape) {
    List<String> lines = new ArrayList<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("docsync_limits_exceeded_total{") && !line.endsWith(" 0.0")) {
        lines.add(line.substring("docsync_limits_exceeded_total".length()));
      }
    }
    return lines;
  }
}

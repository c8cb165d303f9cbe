package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.docsync.limits.Metrics;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docsync as the sync server of real automerge-repo clients: the npm packages
 * (@automerge/automerge-repo 2.5.6, -network-websocket, -storage-nodefs) in node processes.
 */
class WsInteropTest {
  private static TestService service;

  @BeforeAll
  static void start() {
    if (!RepoClient.installed()) {
      assumeTrue(System.getenv("CI") != null, "src/test/js/node_modules missing (npm ci): interop tests skipped");
      fail("src/test/js/node_modules missing on CI: the interop tests must run");
    }
    service = TestService.start();
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  static RepoClient client(String peerId) {
    return RepoClient.start(peerId, service.httpPort(), null);
  }

  @Test
  void twoClientsConvergeOnConcurrentEditsAndAThirdFindsTheDocumentByItsUrl() {
    try (RepoClient alice = client("alice"); RepoClient bob = client("bob")) {
      String url = createStored(alice, new JsonObject().put("title", "shared"));
      assertThat(bob.find(url)).isEqualTo("ready");
      // Both edit at once, including the same key.
      CompletableFuture<Void> a = CompletableFuture.runAsync(() -> {
        alice.putMany(url, "a", 100, 5);
        alice.put(url, "winner", "alice");
      });
      CompletableFuture<Void> b = CompletableFuture.runAsync(() -> {
        bob.putMany(url, "b", 100, 5);
        bob.put(url, "winner", "bob");
      });
      a.join();
      b.join();
      alice.waitFor(url, "b99", 99);
      bob.waitFor(url, "a99", 99);
      await().atMost(Duration.ofSeconds(20)).until(() -> alice.heads(url).equals(bob.heads(url)));
      assertThat(alice.doc(url)).isEqualTo(bob.doc(url));
      assertThat(alice.doc(url).getString("winner")).isIn("alice", "bob");

      String docId = url.substring("automerge:".length());
      await().atMost(Duration.ofSeconds(20)).until(() -> storedHeads(service, docId).equals(alice.heads(url)));
      try (RepoClient carol = client("carol")) {
        assertThat(carol.find(url)).isEqualTo("ready");
        await().atMost(Duration.ofSeconds(20)).until(() -> carol.heads(url).equals(alice.heads(url)));
        assertThat(carol.doc(url)).isEqualTo(alice.doc(url));
        assertThat(carol.doc(url).size()).isEqualTo(202); // title, winner, a0..a99, b0..b99
      }
    }
  }

  /**
   * A hot document: four writers at once, their changes and acknowledgements arriving in the same batches
   * (several messages of one peer per batch, answered between two of them only when Automerge needs it).
   * Everyone ends with every change, the same heads as the store.
   */
  @Test
  void fourWritersTypingAtOnceOnOneDocumentAllConverge() {
    fourWritersConverge(service);
  }

  /**
   * The same on a node that takes any document with two peers as busy: each writer's messages are spaced out by
   * 100 ms and carry everything that changed meanwhile (coalescing), and everyone still converges.
   */
  @Test
  void fourWritersOnABusyDocumentGetCoalescedMessagesAndAllConverge() {
    try (TestService busy = TestService.start(new JsonObject().put("DOCSYNC_SYNC_BUSY_MESSAGES_PER_SECOND", 1))) {
      fourWritersConverge(busy);
      String metrics = busy.rest(busy.tokens().admin(60)).get("/metrics").body();
      double held = Metrics.sum(metrics, "docsync_sync_coalesced_total");
      double sent = Metrics.sum(metrics, "docsync_sync_messages_total", "direction=\"out\"");
      System.out.printf("[ws-interop] busy document, 4 writers x 150 changes: %.0f sync messages sent, %.0f held back%n", sent, held);
      assertThat(held).isPositive();
    }
  }

  private static void fourWritersConverge(TestService on) {
    String[] names = {"w1", "w2", "w3", "w4"};
    RepoClient[] writers = new RepoClient[names.length];
    ExecutorService threads = Executors.newFixedThreadPool(names.length); // all at once, whatever the core count
    try {
      for (int i = 0; i < names.length; i++) {
        writers[i] = RepoClient.start(names[i], on.httpPort(), null);
      }
      String url = createStored(on, writers[0], new JsonObject().put("title", "hot"));
      for (int i = 1; i < names.length; i++) {
        assertThat(writers[i].find(url)).isEqualTo("ready");
      }
      CompletableFuture<?>[] typing = new CompletableFuture<?>[names.length];
      for (int i = 0; i < names.length; i++) {
        RepoClient w = writers[i];
        String prefix = names[i] + "-";
        typing[i] = CompletableFuture.runAsync(() -> w.type(url, prefix, 150, 5), threads);
      }
      CompletableFuture.allOf(typing).join();
      for (RepoClient w : writers) {
        for (String n : names) {
          w.waitFor(url, n + "-149", 149);
        }
      }
      String docId = url.substring("automerge:".length());
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        Object heads = writers[0].heads(url);
        for (RepoClient w : writers) {
          if (!w.heads(url).equals(heads)) {
            return false;
          }
        }
        return storedHeads(on, docId).equals(heads);
      });
      assertThat(writers[3].doc(url)).isEqualTo(writers[0].doc(url));
      assertThat(writers[0].doc(url).size()).isEqualTo(1 + 4 * 150);
    } finally {
      threads.shutdown();
      for (RepoClient w : writers) {
        if (w != null) {
          w.close();
        }
      }
    }
  }

  @Test
  void anUnknownDocumentIsUnavailableThenArrivesWhenAnotherClientCreatesIt() {
    try (RepoClient waiter = client("waiter"); RepoClient creator = client("creator")) {
      String url = waiter.newUrl();
      assertThat(waiter.find(url)).isEqualTo("unavailable");
      creator.createAt(url, new JsonObject().put("greeting", "hello"));
      waiter.waitFor(url, "greeting", "hello");
      assertThat(waiter.doc(url).getString("greeting")).isEqualTo("hello");
    }
  }

  @Test
  void ephemeralMessagesReachTheOtherClients() {
    try (RepoClient alice = client("alice-e"); RepoClient bob = client("bob-e")) {
      String url = createStored(alice, new JsonObject().put("title", "presence"));
      assertThat(bob.find(url)).isEqualTo("ready");
      alice.broadcast(url, new JsonObject().put("cursor", 3));
      JsonObject atBob = bob.waitEphemeral(url, 1).getJsonObject(0);
      assertThat(atBob.getString("senderId")).isEqualTo("alice-e");
      assertThat(atBob.getJsonObject("message")).isEqualTo(new JsonObject().put("cursor", 3));
      bob.broadcast(url, new JsonObject().put("cursor", 4));
      bob.broadcast(url, new JsonObject().put("cursor", 5));
      JsonArray atAlice = alice.waitEphemeral(url, 2);
      assertThat(atAlice.getJsonObject(1).getJsonObject("message").getInteger("cursor")).isEqualTo(5);
      assertThat(alice.ephemerals(url)).hasSize(2); // nothing echoed back to the sender
    }
  }

  /** Prints the figures of the report: 1,000 changes from A to B through docsync. */
  @Test
  void aThousandChangesFromOneClientReachTheOther() {
    try (RepoClient alice = client("alice-t"); RepoClient bob = client("bob-t")) {
      String url = createStored(alice, new JsonObject().put("title", "timing"));
      assertThat(bob.find(url)).isEqualTo("ready");

      JsonObject burst = alice.putMany(url, "burst", 1000, 0);
      long burstSeen = bob.waitFor(url, "burst999", 999);
      JsonObject paced = alice.putMany(url, "paced", 1000, 1);
      long pacedSeen = bob.waitFor(url, "paced999", 999);
      await().atMost(Duration.ofSeconds(20)).until(() -> bob.heads(url).equals(alice.heads(url)));
      assertThat(bob.doc(url).size()).isEqualTo(2001);
      report("burst (one tick)", burst, burstSeen);
      report("paced (event loop turn between changes)", paced, pacedSeen);
      assertThat(burstSeen - burst.getLong("startedAt")).isLessThan(20_000);
    }
  }

  private static void report(String how, JsonObject made, long seen) {
    long start = made.getLong("startedAt");
    long end = made.getLong("finishedAt");
    System.out.printf("[ws-interop] 1000 changes A->B via docsync, %s: A made them in %d ms; B had all %d ms after "
        + "the first, %d ms after the last%n", how, end - start, seen - start, seen - end);
  }

  /**
   * A client with storage edits while docsync is down. After docsync is back (same database, same
   * port) it resumes from the sync states both sides kept: far fewer bytes than a full download.
   * Then again, with the client process itself restarted in between (its state comes from disk).
   */
  @Test
  void aClientWithStorageEditingWhileDocsyncIsDownCatchesUpCheaply() throws IOException {
    int port = freePort();
    JsonObject onPort = new JsonObject().put("DOCSYNC_HTTP_PORT", port);
    Path storage = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "repo-storage");
    TestService server = TestService.start(onPort);
    String pgUrl = server.pgUrl();
    RepoClient offline = RepoClient.start("offline", port, storage);
    try {
      String url = offline.create(new JsonObject().put("title", "big"));
      String docId = url.substring("automerge:".length());
      offline.putMany(url, "before", 2000, 50);
      awaitStored(server, docId, offline, url);
      long fullDownload = fullDownloadBytes(server, port, url);

      server.close(); // docsync down: the client keeps retrying
      offline.putMany(url, "offline", 20, 0);
      server = TestService.startOn(pgUrl, onPort);
      awaitStored(server, docId, offline, url);
      long resumed = reportResume("same client process", server, fullDownload);
      assertThat(storedView(server, docId).getInteger("offline19")).isEqualTo(19);
      // A new client gets the whole document compressed (it speaks first: HELLO carries its request),
      // 11.6 KB for these 2,000 changes; resuming costs little more than the 20 offline changes themselves.
      assertThat(resumed * 3).isLessThan(fullDownload);

      server.close();
      offline.putMany(url, "restarted", 20, 0);
      offline.close(); // the app quits while docsync is down; its storage keeps the edits
      server = TestService.startOn(pgUrl, onPort);
      offline = RepoClient.start("offline", port, storage);
      assertThat(offline.find(url)).isEqualTo("ready");
      awaitStored(server, docId, offline, url);
      long reopened = reportResume("client process restarted", server, fullDownload);
      assertThat(storedView(server, docId).getInteger("restarted19")).isEqualTo(19);
      assertThat(reopened * 3).isLessThan(fullDownload);
    } finally {
      offline.close();
      server.close();
    }
  }

  /**
   * A new client asking for a document that is not loaded gets it whole from storage while docsync loads it (one
   * message: no change replayed, nothing sent twice), then edits it like any client; a client asking once the
   * document is loaded gets it from the Automerge core, as before.
   */
  @Test
  void aNewClientGetsAColdDocumentWholeFromStorageAndGoesOnEditingIt() throws IOException {
    // Compacted often: the document is stored mostly as a snapshot, as every large document is.
    JsonObject onPort = new JsonObject().put("DOCSYNC_HTTP_PORT", freePort()).put("DOCSYNC_COMPACT_MIN_BYTES", 1024);
    TestService server = TestService.start(onPort);
    String pgUrl = server.pgUrl();
    String url;
    try (RepoClient writer = RepoClient.start("writer-c", server.httpPort(), null)) {
      url = createStored(server, writer, new JsonObject().put("title", "cold"));
      writer.putMany(url, "k", 500, 0);
      awaitStored(server, url.substring("automerge:".length()), writer, url);
    } finally {
      server.close();
    }
    String docId = url.substring("automerge:".length());
    try (TestService restarted = TestService.startOn(pgUrl, onPort);
        RepoClient reader = RepoClient.start("reader-c", restarted.httpPort(), null)) {
      assertThat(reader.find(url)).isEqualTo("ready");
      assertThat(reader.doc(url).getInteger("k499")).isEqualTo(499);
      assertThat(wholeDocumentsSent(restarted)).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(() -> connection(restarted, "reader-c").getLong("messagesIn") >= 3);
      assertThat(described(restarted, docId).getBoolean("servedFromStorage")).as("a reader loads nothing").isTrue();
      JsonObject c = connection(restarted, "reader-c");
      System.out.printf("[ws-interop] cold fetch of a 501-change document from storage: %d bytes, %d messages in, %d out%n",
          c.getLong("bytesIn") + c.getLong("bytesOut"), c.getLong("messagesIn"), c.getLong("messagesOut"));

      reader.put(url, "reader", "was here");
      awaitStored(restarted, docId, reader, url);
      assertThat(storedView(restarted, docId).getString("reader")).isEqualTo("was here");
      assertThat(described(restarted, docId).getBoolean("servedFromStorage")).as("a change loads the document").isFalse();
      try (RepoClient late = RepoClient.start("late-c", restarted.httpPort(), null)) {
        assertThat(late.find(url)).isEqualTo("ready");
        await().atMost(Duration.ofSeconds(20)).until(() -> late.heads(url).equals(reader.heads(url)));
        assertThat(late.doc(url)).isEqualTo(reader.doc(url));
      }
      assertThat(wholeDocumentsSent(restarted)).isEqualTo(1);
    }
  }

  /** The admin API's description of a document (its ids are random: no other one shares all but its last character). */
  private static JsonObject described(TestService on, String docId) {
    String after = docId.substring(0, docId.length() - 1);
    JsonObject page = new JsonObject(on.rest(on.tokens().admin(60)).get("/api/docs?limit=1&after=" + after).body());
    JsonObject item = page.getJsonArray("documents").getJsonObject(0);
    assertThat(item.getString("docId")).isEqualTo(docId);
    return item;
  }

  private static double wholeDocumentsSent(TestService on) {
    return Metrics.sum(on.rest(on.tokens().admin(60)).get("/metrics").body(), "docsync_sync_whole_documents_total");
  }

  private static void awaitStored(TestService on, String docId, RepoClient client, String url) {
    await().atMost(Duration.ofSeconds(30)).until(() -> storedHeads(on, docId).equals(client.heads(url)));
  }

  private static long reportResume(String how, TestService on, long fullDownload) {
    JsonObject c = connection(on, "offline");
    long bytes = c.getLong("bytesIn") + c.getLong("bytesOut");
    System.out.printf("[ws-interop] reconnect (%s) after 20 offline changes on a 2000-change document: %d bytes "
        + "(%d in, %d out, %d messages) vs %d bytes for a full download%n", how, bytes, c.getLong("bytesIn"),
        c.getLong("bytesOut"), c.getLong("messagesIn") + c.getLong("messagesOut"), fullDownload);
    return bytes;
  }

  /**
   * A new document, once docsync has stored it. (Asked for before that, the server honestly answers
   * doc-unavailable; the asking client would still get the document when it arrives.)
   */
  private static String createStored(RepoClient creator, JsonObject value) {
    return createStored(service, creator, value);
  }

  private static String createStored(TestService on, RepoClient creator, JsonObject value) {
    String url = creator.create(value);
    String docId = url.substring("automerge:".length());
    await().atMost(Duration.ofSeconds(20)).until(() -> storedHeads(on, docId).equals(creator.heads(url)));
    return url;
  }

  /** Bytes a client without storage or sync state exchanges to get the whole document. */
  private static long fullDownloadBytes(TestService on, int port, String url) {
    try (RepoClient fresh = RepoClient.start("fresh", port, null)) {
      assertThat(fresh.find(url)).isEqualTo("ready");
      await().atMost(Duration.ofSeconds(30)).until(() -> fresh.doc(url).containsKey("before1999"));
      JsonObject c = connection(on, "fresh");
      return c.getLong("bytesIn") + c.getLong("bytesOut");
    }
  }

  static JsonObject connection(TestService on, String peerId) {
    JsonObject stats = Await.result(on.vertx().eventBus().<JsonObject>request(SyncEndpoint.STATS_ADDRESS, null)).body();
    return stats.getJsonArray("connections").stream().map(JsonObject.class::cast)
        .filter(c -> peerId.equals(c.getString("peerId"))).findFirst()
        .orElseThrow(() -> new AssertionError("no open connection of " + peerId + " in " + stats));
  }

  static java.util.List<String> storedHeads(TestService on, String docId) {
    return on.heads(docId);
  }

  static JsonObject storedView(TestService on, String docId) {
    return on.read(docId).getJsonObject("view");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

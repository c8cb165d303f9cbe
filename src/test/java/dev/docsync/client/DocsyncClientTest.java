package dev.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.auth.Tokens;
import dev.docsync.client.ConnectionStatus.State;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestDatabases;
import dev.docsync.testing.TestService;
import dev.docsync.transport.ws.RepoClient;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The Java client against a real docsync (in this JVM, real sockets, real PostgreSQL) and real automerge-repo JS clients. */
class DocsyncClientTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void convergesWithAnAutomergeRepoClient() throws Exception {
    Assumptions.assumeTrue(RepoClient.installed() || System.getenv("CI") != null, "node_modules missing");
    try (TestService docsync = TestService.start();
         RepoClient js = RepoClient.start("js-peer", docsync.httpPort(), null);
         DocsyncClient client = DocsyncClient.connect(server(docsync), null)) {
      String url = js.create(new JsonObject().put("from", "js"));
      // find() fails at once for a document the server does not have yet (as automerge-repo's does): wait for it.
      await().atMost(WAIT).until(() -> view(docsync, url.substring("automerge:".length())).containsKey("from"));
      DocHandle doc = Await.result(client.find(url));
      assertThat(doc.view().getString("from")).isEqualTo("js");
      List<DocChange> changes = new CopyOnWriteArrayList<>();
      doc.onChange(changes::add);

      doc.change(tx -> tx.set(ObjectId.ROOT, "java", 42));
      js.waitFor(url, "java", 42);
      js.put(url, "later", "from js");
      await().atMost(WAIT).until(() -> "from js".equals(doc.view().getString("later")));
      assertThat(changes).anySatisfy(c -> {
        assertThat(c.local()).isFalse();
        assertThat(c.changed().getString("later")).isEqualTo("from js");
      });
      assertThat(changes).anySatisfy(c -> assertThat(c.local() && c.changed().getInteger("java") == 42).isTrue());

      // A document created here reaches docsync (and any JS client that finds it).
      DocHandle created = client.create();
      created.change(tx -> tx.set(ObjectId.ROOT, "made", "in java"));
      Await.result(created.whenSynced());
      assertThat(view(docsync, created.documentId()).getString("made")).isEqualTo("in java");
    }
  }

  @Test
  void reconnectsAfterAServerRestartAndMergesOfflineEdits() throws Exception {
    int port = freePort();
    JsonObject settings = new JsonObject().put("DOCSYNC_HTTP_PORT", port);
    String pgUrl = TestDatabases.freshDatabaseUrl();
    TestService docsync = TestService.startOn(pgUrl, settings);
    String server = "http://127.0.0.1:" + port;
    ClientOptions options = ClientOptions.of(server, null).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2));
    try (DocsyncClient ada = DocsyncClient.connect(options); DocsyncClient bob = DocsyncClient.connect(options)) {
      List<ConnectionStatus> statuses = new CopyOnWriteArrayList<>();
      ada.onStatus(statuses::add);
      DocHandle adaDoc = ada.create();
      adaDoc.change(tx -> tx.set(ObjectId.ROOT, "title", "before"));
      Await.result(adaDoc.whenSynced());
      DocHandle bobDoc = Await.result(bob.find(adaDoc.url()));

      docsync.close();
      await().atMost(WAIT).until(() -> ada.status().state() == State.OFFLINE && bob.status().state() == State.OFFLINE);
      adaDoc.change(tx -> tx.set(ObjectId.ROOT, "ada", "offline edit"));
      bobDoc.change(tx -> tx.set(ObjectId.ROOT, "bob", "offline edit"));

      docsync = TestService.startOn(pgUrl, settings);
      long up = System.nanoTime();
      await().atMost(WAIT).until(() -> ada.status().online() && bob.status().online());
      long reconnectMs = (System.nanoTime() - up) / 1_000_000;
      await().atMost(WAIT).until(() -> "offline edit".equals(adaDoc.view().getString("bob"))
          && "offline edit".equals(bobDoc.view().getString("ada")));
      long convergedMs = (System.nanoTime() - up) / 1_000_000;
      assertThat(adaDoc.heads()).isEqualTo(bobDoc.heads());
      assertThat(statuses).extracting(ConnectionStatus::state).contains(State.OFFLINE, State.CONNECTING, State.ONLINE);
      System.out.printf("[client] after a server restart: both clients online %d ms after the server was up, offline edits merged after %d ms%n",
          reconnectMs, convergedMs);
    } finally {
      docsync.close();
    }
  }

  @Test
  void aReturningClientWithStorageExchangesFarFewerBytesThanANewOne() throws Exception {
    Path storage = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "client-storage");
    try (TestService docsync = TestService.start(); DocsyncClient writer = DocsyncClient.connect(server(docsync), null)) {
      // 2,000 edits of a text, 16 random characters each at a random place: a document that does not compress to nothing.
      DocHandle doc = writer.create();
      ObjectId[] text = new ObjectId[1];
      doc.change(tx -> text[0] = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT));
      java.util.Random random = new java.util.Random(7);
      for (int i = 0; i < 2000; i++) {
        int n = i;
        long at = random.nextInt(16 * n + 1);
        String chars = random.ints(16, 'a', 'z' + 1).collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        doc.change(tx -> {
          tx.spliceText(text[0], at, 0, chars);
          tx.set(ObjectId.ROOT, "key" + (n % 100), n);
        });
      }
      awaitStored(docsync, doc);

      long newBytes;
      try (DocsyncClient fresh = DocsyncClient.connect(ClientOptions.of(server(docsync), null).withStorage(storage))) {
        DocHandle copy = Await.result(fresh.find(doc.url()));
        await().atMost(WAIT).until(() -> copy.heads().equals(doc.heads()));
        newBytes = fresh.bytesReceived() + fresh.bytesSent();
      }
      for (int i = 0; i < 20; i++) { // made while the other client is away
        int n = i;
        doc.change(tx -> tx.set(ObjectId.ROOT, "away" + n, n));
      }
      awaitStored(docsync, doc);

      long returningBytes;
      try (DocsyncClient returning = DocsyncClient.connect(ClientOptions.of(server(docsync), null).withStorage(storage))) {
        DocHandle copy = Await.result(returning.find(doc.url()));
        assertThat(copy.view().getInteger("key99")).as("from storage, before any sync").isEqualTo(1999);
        await().atMost(WAIT).until(() -> copy.heads().equals(doc.heads()));
        returningBytes = returning.bytesReceived() + returning.bytesSent();
        assertThat(copy.view().getInteger("away19")).isEqualTo(19);
      }
      System.out.printf("[client] 2,000-change document (%d bytes saved), 20 changes made while away: a new client exchanged %d bytes, "
          + "a returning one (storage directory) %d bytes%n", doc.save().length, newBytes, returningBytes);
      assertThat(returningBytes * 5).isLessThan(newBytes);
    }
  }

  @Test
  void aRefusedTokenIsReportedAsSuch() throws Exception {
    try (TestService docsync = TestService.start(Tokens.authOn())) {
      Tokens tokens = new Tokens(docsync.vertx(), Tokens.SECRET);
      for (String token : List.of("not-a-token", tokens.token(List.of("*"), List.of("*"), -60))) {
        try (DocsyncClient client = DocsyncClient.connect(server(docsync), token)) {
          await().atMost(WAIT).until(() -> client.status().state() == State.REFUSED);
          assertThat(client.status().reason()).startsWith("UNAUTHENTICATED");
          Throwable failure = Await.failure(client.online());
          assertThat(failure.getMessage()).contains("UNAUTHENTICATED");
        }
      }
      String narrow = tokens.token(List.of("notes-*"), List.of("notes-*"), 600);
      try (DocsyncClient client = DocsyncClient.connect(server(docsync), narrow)) {
        Await.result(client.online());
        Throwable forbidden = Await.failure(client.find("other-1"));
        assertThat(forbidden).isInstanceOf(DocumentUnavailableException.class).hasMessageContaining("FORBIDDEN");
        Throwable unknown = Await.failure(client.find("notes-unknown"));
        assertThat(unknown).isInstanceOf(DocumentUnavailableException.class).hasMessageContaining("unknown document");
      }
    }
  }

  /**
   * Until docsync holds the document's heads. (Not whenSynced(): after a burst of 2,000 changes docsync sometimes
   * stops answering the peer's sync messages for the document, so the confirmation never comes; see the report.)
   */
  private static void awaitStored(TestService docsync, DocHandle doc) {
    await().atMost(WAIT).until(() -> Await.result(docsync.frontend(new JsonObject().put("type", "READ").put("docId", doc.documentId())))
        .getJsonArray("heads").getList().stream().sorted().toList().equals(doc.heads()));
  }

  private static JsonObject view(TestService docsync, String docId) {
    return Await.result(docsync.frontend(new JsonObject().put("type", "READ").put("docId", docId))).getJsonObject("view");
  }

  static String server(TestService docsync) {
    return "http://127.0.0.1:" + docsync.httpPort();
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

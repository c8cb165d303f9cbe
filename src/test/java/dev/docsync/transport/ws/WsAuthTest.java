package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real automerge-repo client against a node with authentication on: without a valid token for
 * the document it neither reads nor writes; with a read-only token it reads and cannot write.
 */
class WsAuthTest {
  private static TestService service;
  private static Tokens tokens;
  private static String url;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(RepoClient.installed(), "node_modules missing (npm ci in src/test/js)");
    service = TestService.start(Tokens.authOn());
    tokens = new Tokens(service.vertx(), Tokens.SECRET);
    try (RepoClient owner = client("owner", tokens.token(List.of(), List.of("*"), 300))) {
      owner.call("waitConnected", new JsonObject());
      url = owner.create(new JsonObject().put("title", "private"));
      await().atMost(Duration.ofSeconds(20)).until(() -> "private".equals(serverView().getString("title")));
    }
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void clientsWithoutAValidTokenForTheDocumentCannotRead() {
    String forged = new Tokens(service.vertx(), "another-secret-of-at-least-thirty-two-bytes").token(List.of("*"), List.of("*"), 300);
    String expired = tokens.token(List.of("*"), List.of("*"), -300);
    String otherDocs = tokens.token(List.of("someone-else-*"), List.of("someone-else-*"), 300);
    for (String token : new String[] {null, forged, expired, "garbage"}) {
      try (RepoClient stranger = client("stranger", token)) {
        assertThatThrownBy(() -> stranger.call("waitConnected", new JsonObject().put("timeoutMs", 2_000)))
            .hasMessageContaining("timed out");
      }
    }
    try (RepoClient stranger = client("stranger", otherDocs)) {
      stranger.call("waitConnected", new JsonObject());
      assertThat(stranger.find(url, 5_000)).isEqualTo("unavailable");
    }
  }

  @Test
  void aClientCannotWriteADocumentItsTokenDoesNotOpen() {
    try (RepoClient intruder = client("intruder", tokens.token(List.of("someone-else-*"), List.of("someone-else-*"), 300))) {
      intruder.call("waitConnected", new JsonObject());
      intruder.createAt(url, new JsonObject().put("title", "defaced"));
      intruder.flush();
      sleep(1_000);
    }
    assertThat(serverView().getString("title")).isEqualTo("private");
  }

  @Test
  void onlyTheSameSubjectCanReplaceAPeersSocket() {
    int port = service.httpPort();
    try (WsClient alice = WsClient.connectWithToken(service.vertx(), port, tokens.token("alice", List.of("*"), List.of(), 300));
         WsClient mallory = WsClient.connectWithToken(service.vertx(), port, tokens.token("mallory", List.of("*"), List.of(), 300))) {
      alice.join("alice-laptop");
      mallory.join("alice-laptop");
      // A round trip after mallory's join: alice's socket still answers.
      String nowhere = "nowhere-" + System.nanoTime();
      alice.sendDoc("request", nowhere, WsSyncPeer.emptyDocSyncMessage());
      assertThat(alice.nextOfType("doc-unavailable")).containsEntry("documentId", nowhere);
      assertThat(alice.isClosed()).isFalse();
      WsClient aliceAgain = WsClient.connectWithToken(service.vertx(), port, tokens.token("alice", List.of("*"), List.of(), 300));
      aliceAgain.join("alice-laptop"); // her own new socket replaces the old one; mallory's did not
      assertThat(alice.awaitClose()).isEqualTo((short) 1000);
      assertThat(mallory.isClosed()).isFalse();
      aliceAgain.close();
    }
  }

  @Test
  void aReadOnlyTokenReadsAndCannotWrite() {
    String readOnly = tokens.token(List.of(documentId()), List.of(), 300);
    try (RepoClient reader = client("reader", readOnly);
         RepoClient writer = client("writer", tokens.token(List.of(), List.of("*"), 300))) {
      reader.call("waitConnected", new JsonObject());
      writer.call("waitConnected", new JsonObject());
      assertThat(reader.find(url, 10_000)).isEqualTo("ready");
      assertThat(reader.doc(url).getString("title")).isEqualTo("private");

      reader.put(url, "graffiti", "from a reader");
      reader.flush();
      assertThat(writer.find(url, 10_000)).isEqualTo("ready");
      writer.put(url, "news", "from the writer");
      reader.waitFor(url, "news", "from the writer"); // the reader still receives others' changes
      sleep(500);
      assertThat(serverView().containsKey("graffiti")).isFalse();
      assertThat(serverView().getString("news")).isEqualTo("from the writer");
    }
  }

  private static RepoClient client(String name, String token) {
    return RepoClient.startWithToken(name, service.httpPort(), null, token);
  }

  private static String documentId() {
    return url.substring("automerge:".length());
  }

  private static JsonObject serverView() {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", documentId())))
        .getJsonObject("view");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

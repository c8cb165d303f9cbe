package dev.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.client.ConnectionStatus.State;
import dev.docsync.testing.Await;
import dev.docsync.testing.JsAutomergePeer;
import dev.docsync.transport.ws.RepoClient;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Java client against the Node reference sync server (automerge-repo's Repo + WebSocketServerAdapter +
 * NodeFSStorageAdapter): it converges with an automerge-repo JS client of that server, and after the server
 * restarts it reconnects and its offline edits reach the JS client.
 */
class ReferenceServerClientTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void convergesWithAJsClientAndSurvivesAReferenceServerRestart() throws Exception {
    Assumptions.assumeTrue(RepoClient.installed() || System.getenv("CI") != null, "node_modules missing");
    int port = DocsyncClientTest.freePort();
    Path storage = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "reference-storage");
    Process reference = startReference(port, storage);
    ClientOptions options = ClientOptions.of("ws://127.0.0.1:" + port, null).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2));
    try (RepoClient js = RepoClient.start("js-peer", port, null); DocsyncClient client = DocsyncClient.connect(options)) {
      String url = js.create(new JsonObject().put("from", "js"));
      // The JS client announces its new document to the server in the background; find() until the server has it.
      DocHandle[] found = new DocHandle[1];
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        found[0] = client.find(url).otherwiseEmpty().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return found[0] != null;
      });
      DocHandle doc = found[0];
      assertThat(doc.view().getString("from")).isEqualTo("js");
      doc.change(tx -> tx.set(ObjectId.ROOT, "java", 42));
      js.waitFor(url, "java", 42);
      js.put(url, "later", "from js");
      await().atMost(WAIT).until(() -> "from js".equals(doc.view().getString("later")));

      // Killed: its SIGTERM handler waits for the clients to hang up, which they never do.
      reference.destroyForcibly();
      reference.waitFor(10, TimeUnit.SECONDS);
      await().atMost(WAIT).until(() -> client.status().state() == State.OFFLINE);
      doc.change(tx -> tx.set(ObjectId.ROOT, "offline", 7));
      reference = startReference(port, storage);
      long up = System.nanoTime();
      await().atMost(WAIT).until(() -> client.status().online());
      long reconnectMs = (System.nanoTime() - up) / 1_000_000;
      js.waitFor(url, "offline", 7);
      System.out.printf("[client] reference server restarted: Java client online again %d ms after it was up; offline edit "
          + "reached the JS client after %d ms%n", reconnectMs, (System.nanoTime() - up) / 1_000_000);
      Await.result(doc.whenSynced());
    } finally {
      reference.destroyForcibly();
      reference.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process startReference(int port, Path storage) throws Exception {
    Process process = new ProcessBuilder("node", "reference-server.mjs", String.valueOf(port), storage.toString())
        .directory(JsAutomergePeer.jsDir().toFile()).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("reference server output").startsWith("READY");
    Thread drain = new Thread(() -> out.lines().forEach(l -> System.out.println("[reference] " + l)));
    drain.setDaemon(true);
    drain.start();
    return process;
  }
}

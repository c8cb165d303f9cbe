package dev.docsync.peering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.JsAutomergePeer;
import dev.docsync.testing.TestService;
import dev.docsync.transport.ws.RepoClient;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * docsync dials the Node reference sync server (Repo + NodeWSServerAdapter + NodeFSStorageAdapter,
 * started here on 127.0.0.1): a document made by an automerge-repo client of the reference server
 * reaches docsync's frontends, and their changes reach the reference server's client.
 */
class ReferenceServerPeeringTest {

  @Test
  void docsyncPeersWithTheReferenceServer() throws Exception {
    Assumptions.assumeTrue(RepoClient.installed() || System.getenv("CI") != null, "node_modules missing");
    int port = freePort();
    Process reference = startReference(port, Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "reference-storage"));
    try (RepoClient client = RepoClient.start("js-client", port, null)) {
      String url = client.create(new JsonObject().put("from", "reference"));
      String docId = url.substring("automerge:".length());
      JsonObject settings = new JsonObject()
          .put("DOCSYNC_UPSTREAMS", "ws://127.0.0.1:" + port)
          .put("DOCSYNC_UPSTREAM_DOCS", docId);
      try (TestService docsync = TestService.start(settings);
           EventBusFrontend frontend = new EventBusFrontend(docsync.vertx(), docId, "java")) {
        await().atMost(Duration.ofSeconds(30)).until(() -> "reference".equals(view(docsync, docId).getString("from")));
        frontend.open();
        // A number: a Java string is a scalar that JS reads as an ImmutableString, never === "hello".
        Await.result(frontend.change(tx -> tx.set(ObjectId.ROOT, "from-docsync", 42)));
        client.waitFor(url, "from-docsync", 42);
        client.put(url, "later", "from the reference side");
        await().atMost(Duration.ofSeconds(30)).until(() -> frontend.doc().get(ObjectId.ROOT, "later").isPresent());
        assertThat(view(docsync, docId).getString("later")).isEqualTo("from the reference side");
      }
    } finally {
      reference.destroy();
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

  private static JsonObject view(TestService service, String docId) {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", docId))).getJsonObject("view");
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

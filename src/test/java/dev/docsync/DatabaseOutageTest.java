package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.Base64s;
import dev.docsync.store.embedded.EmbeddedPostgresServer;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away under load and comes back: nothing unstored is acknowledged, health says
 * 503 then 200, and writing works again on its own. Uses an embedded PostgreSQL that the test owns.
 */
class DatabaseOutageTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void outageUnderLoadLosesNothingAcknowledgedAndRecovers() throws Exception {
    Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "outage-pg");
    int port = freePort();
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir, port);
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Document writer = new Document();
    try (TestService service = TestService.startOn(pg.url(), new JsonObject())) {
      assertThat(health(service)).isEqualTo(200);
      write(service, writer, 0, 200, acknowledged);

      pg.close();
      List<Future<JsonObject>> during = write(service, writer, 200, 50, acknowledged);
      await().atMost(Duration.ofSeconds(15)).until(() -> health(service) == 503);
      Thread.sleep(500);
      long acknowledgedDuringOutage = during.stream().filter(Future::succeeded).count();

      pg = EmbeddedPostgresServer.start(dir, port);
      await().atMost(Duration.ofSeconds(30)).until(() -> health(service) == 200);
      // The change queued during the outage gets stored by the retry; new ones are acknowledged again.
      List<Future<JsonObject>> after = write(service, writer, 250, 50, acknowledged);
      after.forEach(Await::result);

      JsonObject view = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "outage-1")))
          .getJsonObject("view");
      System.out.printf("acknowledged: %d, of them during the outage: %d; document holds %d keys%n",
          acknowledged.size(), acknowledgedDuringOutage, view.size());
      assertThat(acknowledgedDuringOutage).isZero();
      assertThat(view.fieldNames()).containsAll(acknowledged);
      assertThat(view.size()).isEqualTo(300); // every change, including those refused during the outage, ends up stored
    } finally {
      writer.free();
      pg.close();
    }
  }

  /** Sends {@code count} changes without waiting; records the acknowledged keys as acknowledgements come. */
  private static List<Future<JsonObject>> write(TestService service, Document doc, int from, int count, Set<String> acknowledged) {
    List<Future<JsonObject>> acks = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      String key = "k" + i;
      ChangeHash[] before = doc.getHeads();
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, key, i);
        tx.commit();
      }
      acks.add(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "outage-1")
          .put("change", Base64s.encode(doc.encodeChangesSince(before)))).onSuccess(r -> acknowledged.add(key)));
    }
    if (from == 0) {
      acks.forEach(Await::result);
    }
    return acks;
  }

  private int health(TestService service) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/health"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

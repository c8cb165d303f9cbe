package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.auth.Tokens;
import dev.docsync.limits.ChunkScan;
import dev.docsync.limits.ForgedChanges;
import dev.docsync.testing.Await;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A writer cannot take the node down with a few large changes: what a change will cost the Automerge
 * core is judged from its bytes before the core sees it, over REST and over WebSocket alike.
 * (Before: one 2M-character paste took ~9 s of worker CPU and ~1 GiB of native memory, counted as 1.5 KB.)
 */
class ChangeCostLimitTest {
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode();
  private static TestService service;
  private static Tokens tokens;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    service = docsync.service();
    tokens = service.tokens();
  }

  @Test
  void aHugePasteOverRestIsRefusedBeforeAutomerge() throws Exception {
    Document client = new Document();
    byte[] makeText = makeText(client);
    assertThat(post("huge-1", makeText).statusCode()).isEqualTo(200);
    byte[] paste = ForgedChanges.textInserts(client.getHeads()[0].getBytes(), client.getActorId(), 2_000_000);

    Usage before = Usage.now();
    HttpResponse<String> refused = post("huge-1", paste);
    Usage used = Usage.now().minus(before);
    System.out.printf("2M-character paste over REST: HTTP %d in %d ms, process CPU %d ms, RSS %+d MB%n",
        refused.statusCode(), used.wallMs, used.cpuMs, used.rssMb);
    assertThat(refused.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("TOO_LARGE");
    assertThat(refused.body()).contains("DOCSYNC_CHANGE_MAX_OPS");
    assertThat(used.wallMs).isLessThan(2_000);
    assertThat(used.rssMb).isLessThan(100);

    // A hundred bytes announcing a billion operations (run-length encoded nulls).
    Document list = new Document();
    byte[] makeList = makeList(list);
    assertThat(post("huge-2", makeList).statusCode()).isEqualTo(200);
    byte[] bomb = ForgedChanges.nullInserts(list.getHeads()[0].getBytes(), list.getActorId(), 1_000_000_000L);
    assertThat(post("huge-2", bomb).statusCode()).isEqualTo(413);

    assertThat(read("huge-1").getJsonArray("heads")).containsExactly(hex(client.getHeads()[0]));
    assertThat(read("huge-2").getJsonArray("heads")).containsExactly(hex(list.getHeads()[0]));
    client.free();
    list.free();
  }

  @Test
  void aHugePasteOverWebSocketIsRefusedBeforeAutomerge() {
    Document client = new Document();
    byte[] makeText = makeText(client);
    byte[] paste = ForgedChanges.textInserts(client.getHeads()[0].getBytes(), client.getActorId(), 2_000_000);
    String token = tokens.token(List.of("*"), List.of("*"), 60);
    try (WsClient ws = Await.result(WsClient.connectAsync(service.vertx(), service.httpPort(), null, token))) {
      ws.join("paster");
      Usage before = Usage.now();
      ws.sendDoc("request", "huge-ws", syncMessage(makeText, paste));
      Map<String, Object> error = ws.nextOfType("error");
      Usage used = Usage.now().minus(before);
      System.out.printf("2M-character paste over WebSocket: refused in %d ms, process CPU %d ms, RSS %+d MB%n",
          used.wallMs, used.cpuMs, used.rssMb);
      assertThat((String) error.get("message")).startsWith("TOO_LARGE").contains("DOCSYNC_CHANGE_MAX_OPS");
      assertThat(used.rssMb).isLessThan(100);
    }
    assertThat(Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "huge-ws")))
        .getJsonArray("heads")).isEmpty();
    client.free();
  }

  /** What an honest client pastes (1 MB of text) is taken, and counted at what it costs. */
  @Test
  void anHonestMegabytePasteIsTakenAndCountedAtItsCost() throws Exception {
    Document client = new Document();
    byte[] makeText = makeText(client);
    assertThat(post("paste-1", makeText).statusCode()).isEqualTo(200);
    byte[] paste = ForgedChanges.textInserts(client.getHeads()[0].getBytes(), client.getActorId(), 1_000_000);
    DocumentService documents = service.verticle().documents();
    long estimateBefore = documents.loadedBytes();

    Usage before = Usage.now();
    HttpResponse<String> ack = post("paste-1", paste);
    Usage used = Usage.now().minus(before);
    long estimated = documents.loadedBytes() - estimateBefore;
    System.out.printf("1M-character paste over REST: HTTP %d in %d ms, process CPU %d ms, RSS %+d MB, estimated %d MB%n",
        ack.statusCode(), used.wallMs, used.cpuMs, used.rssMb, estimated / 1_000_000);
    assertThat(ack.statusCode()).isEqualTo(200);
    assertThat(estimated).isBetween(400_000_000L, 700_000_000L);
    assertThat(read("paste-1").getJsonArray("heads")).hasSize(1);
    client.free();
  }

  /** Changes that would take a document past DOCSYNC_DOC_MAX_BYTES are refused, from a frontend or an event-bus peer. */
  @Test
  void aDocumentTakesNothingThatWouldPassItsMemoryLimit() {
    try (TestService small = TestService.start(new JsonObject().put("DOCSYNC_DOC_MAX_BYTES", 2_000_000))) {
      Document client = new Document();
      byte[] makeText = makeText(client);
      byte[] paste = ForgedChanges.textInserts(client.getHeads()[0].getBytes(), client.getActorId(), 5_000); // ~2.6 MB estimated
      Await.result(small.frontend(localChange("limit-1", makeText)));
      Throwable refused = Await.failure(small.frontend(localChange("limit-1", paste)));
      assertThat(refused.getMessage()).startsWith("TOO_LARGE").contains("DOCSYNC_DOC_MAX_BYTES");

      Await.result(small.peer(new JsonObject().put("type", "HELLO").put("docId", "limit-2").put("peerId", "p").put("ephemeral", true)));
      Throwable refusedSync = Await.failure(small.peer(new JsonObject().put("type", "SYNC").put("docId", "limit-2").put("peerId", "p")
          .put("message", java.util.Base64.getEncoder().encodeToString(syncMessage(makeText, paste)))));
      assertThat(refusedSync.getMessage()).startsWith("TOO_LARGE").contains("DOCSYNC_DOC_MAX_BYTES");

      byte[] typing = ForgedChanges.textInserts(client.getHeads()[0].getBytes(), client.getActorId(), 1_000);
      Await.result(small.frontend(localChange("limit-1", typing))); // what fits is taken
      assertThat(small.verticle().documents().loadedBytes()).isBetween(500_000L, 2_000_000L);
      client.free();
    }
  }

  private static JsonObject localChange(String docId, byte[] change) {
    return new JsonObject().put("type", "LOCAL_CHANGE").put("docId", docId).put("change", java.util.Base64.getEncoder().encodeToString(change));
  }

  private static byte[] makeText(Document doc) {
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
      tx.commit();
    }
    return doc.encodeChangesSince(new ChangeHash[0]);
  }

  private static byte[] makeList(Document doc) {
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, "list", ObjectType.LIST);
      tx.commit();
    }
    return doc.encodeChangesSince(new ChangeHash[0]);
  }

  /** A v1 sync message carrying these changes, heads the last one. */
  static byte[] syncMessage(byte[]... changes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x42);
    out.write(1);
    List<ChunkScan.Change> last = ChunkScan.of(changes[changes.length - 1], Long.MAX_VALUE).changeList();
    out.writeBytes(last.get(last.size() - 1).hash());
    out.write(0); // need
    out.write(0); // haves
    uleb(out, changes.length);
    for (byte[] change : changes) {
      uleb(out, change.length);
      out.writeBytes(change);
    }
    return out.toByteArray();
  }

  private static void uleb(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }

  private HttpResponse<String> post(String docId, byte[] change) throws Exception {
    String token = tokens.token(List.of(), List.of(docId), 60);
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/api/docs/" + docId + "/changes"))
            .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofByteArray(change)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject read(String docId) {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", docId).put("view", false)));
  }

  private static String hex(ChangeHash hash) {
    StringBuilder s = new StringBuilder();
    for (byte b : hash.getBytes()) {
      s.append(String.format("%02x", b & 0xff));
    }
    return s.toString();
  }

  /** Wall time, CPU time of the whole process (server workers included) and resident memory. */
  record Usage(long wallMs, long cpuMs, long rssMb) {
    static Usage now() {
      com.sun.management.OperatingSystemMXBean os =
          (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      return new Usage(System.nanoTime() / 1_000_000, os.getProcessCpuTime() / 1_000_000, rssKb() / 1024);
    }

    Usage minus(Usage earlier) {
      return new Usage(wallMs - earlier.wallMs, cpuMs - earlier.cpuMs, rssMb - earlier.rssMb);
    }

    private static long rssKb() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("\\D", ""));
          }
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      throw new IllegalStateException("no VmRSS");
    }
  }
}

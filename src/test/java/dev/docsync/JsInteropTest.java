package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.docsync.doc.JsonView;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.JsAutomergePeer;
import dev.docsync.testing.JsAutomergePeer.Ops;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.NewValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interoperation of the service with the real JavaScript implementation ({@code @automerge/automerge}
 * in Node, see {@link JsAutomergePeer}): JS changes through the frontend API, JS sync peers through
 * the peer API, and Java frontend changes reaching a JS peer.
 */
class JsInteropTest {
  /** How long the relay waits for another server message before it calls the conversation quiet. */
  private static final long QUIET_MS = 300;
  private static final int MAX_ROUNDS = 30;

  private static TestService service;

  @BeforeAll
  static void start() throws IOException {
    boolean ci = System.getenv("CI") != null;
    boolean node = JsAutomergePeer.nodeAvailable();
    if (ci) {
      assertTrue(node, "CI is set, so the JS interop test must run: install node and `npm ci` in src/test/js");
    } else {
      assumeTrue(node, "node and src/test/js/node_modules are needed (npm ci in src/test/js)");
    }
    // The JNI library unpacks into java.io.tmpdir, which Surefire points at a not yet created target/tmp.
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    service = TestService.start();
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 1. JS changes in, service snapshot back out to JS
  // ---------------------------------------------------------------------------------------------

  @Test
  void nodeChangesSentAsLocalChangesRoundTripThroughTheServiceSnapshot() {
    String docId = "js-interop-local-changes";
    try (JsAutomergePeer author = JsAutomergePeer.start();
         JsAutomergePeer reader = JsAutomergePeer.start()) {
      JsonObject original = authorAndSend(author, docId);

      JsonObject read = read(docId);
      assertThat(sorted(read.getJsonArray("heads"))).isEqualTo(author.heads());

      // The service's save() loads in JS to the very same document.
      byte[] snapshot = Base64s.decode(read.getString("snapshot"), "snapshot");
      assertThat(reader.load(snapshot)).isEqualTo(author.heads());
      assertThat(reader.json()).isEqualTo(original);

      // ... and in Java to the same heads.
      Document javaCopy = Document.load(snapshot);
      try {
        assertThat(JsAutomergePeer.hexHeads(javaCopy.getHeads())).isEqualTo(author.heads());
      } finally {
        javaCopy.free();
      }

      // The service's own JSON view agrees with JS toJS (whole strings are equal even though
      // Java and JS count text indices differently).
      assertThat(read.getJsonObject("view")).isEqualTo(original);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 2. A JS sync peer through the peer API, both directions, with a Java frontend watching
  // ---------------------------------------------------------------------------------------------

  @Test
  void nodePeerSyncsFromEmptyThenSyncsItsOwnChangeBack() {
    String docId = "js-interop-peer-sync";
    try (JsAutomergePeer author = JsAutomergePeer.start();
         JsAutomergePeer peer = JsAutomergePeer.start();
         EventBusFrontend frontend = new EventBusFrontend(service.vertx(), docId, "java-frontend")) {
      JsonObject original = authorAndSend(author, docId);
      frontend.open();
      assertThat(frontend.heads()).isEqualTo(author.heads());

      // An empty JS document pulls the whole document through sync.
      assertThat(peer.heads()).isEmpty();
      try (Relay relay = new Relay(peer, docId, "node-peer-1")) {
        List<String> helloHeads = relay.hello();
        assertThat(helloHeads).isEqualTo(author.heads());
        relay.syncUntilQuiet();

        assertThat(peer.heads()).isEqualTo(author.heads());
        assertThat(peer.json()).isEqualTo(original);
        assertThat(relay.messagesFromServer).isPositive();

        // The JS peer changes the document and syncs the change back.
        int eventsBefore = frontend.received().size();
        peer.change(
            Ops.put(List.of("fromNodePeer"), "hello from node"),
            Ops.splice(List.of("text"), 0, 0, "🚀"),
            Ops.increment(List.of("count"), 10),
            Ops.push(List.of("items"), "pushed by peer"));
        List<String> peerHeads = peer.heads();
        JsonObject expected = peer.json();
        assertThat(expected.getString("fromNodePeer")).isEqualTo("hello from node");
        assertThat(expected.getString("text")).startsWith("🚀");

        relay.syncUntilQuiet();
        assertThat(relay.lastServerHeads).isEqualTo(peerHeads);
        assertThat(peer.heads()).isEqualTo(peerHeads);

        // The service holds it ...
        JsonObject read = read(docId);
        assertThat(sorted(read.getJsonArray("heads"))).isEqualTo(peerHeads);
        assertThat(read.getJsonObject("view")).isEqualTo(expected);

        // ... and the frontend that had OPENed the document got it as a change event.
        await().atMost(Duration.ofSeconds(10)).until(() -> frontend.heads().equals(peerHeads));
        List<JsonObject> all = List.copyOf(frontend.received());
        List<JsonObject> events = all.subList(eventsBefore, all.size());
        assertThat(events).isNotEmpty();
        JsonObject last = events.get(events.size() - 1);
        assertThat(last.getString("docId")).isEqualTo(docId);
        assertThat(sorted(last.getJsonArray("heads"))).isEqualTo(peerHeads);
        assertThat(last.getJsonArray("origins")).isEmpty(); // a synced change has no frontend origin
        assertThat(events).anySatisfy(e -> assertThat(e.getJsonObject("view").getJsonObject("changed").getString("fromNodePeer"))
            .isEqualTo("hello from node"));
        assertThat(JsonView.of(frontend.doc())).isEqualTo(expected);

        relay.bye();
        assertThat(relay.misaddressed).isEmpty();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 3. Java frontend changes reach JS peers
  // ---------------------------------------------------------------------------------------------

  @Test
  void javaFrontendChangesReachNodePeers() {
    String docId = "js-interop-reverse";
    try (JsAutomergePeer live = JsAutomergePeer.start();
         JsAutomergePeer late = JsAutomergePeer.start();
         EventBusFrontend frontend = new EventBusFrontend(service.vertx(), docId, "java-frontend")) {
      frontend.open();

      try (Relay liveRelay = new Relay(live, docId, "node-live")) {
        // A peer connected before anything exists: the changes are pushed to it as they happen.
        liveRelay.hello();
        liveRelay.syncUntilQuiet();
        assertThat(live.json()).isEqualTo(new JsonObject());

        Await.result(frontend.change(tx -> { // EventBusFrontend commits
          tx.set(ObjectId.ROOT, "fromJava", "hi from java");
          tx.set(ObjectId.ROOT, "answer", 42);
          tx.set(ObjectId.ROOT, "ratio", 0.5);
          tx.set(ObjectId.ROOT, "flag", true);
          tx.set(ObjectId.ROOT, "count", NewValue.counter(1));
          ObjectId body = tx.set(ObjectId.ROOT, "body", ObjectType.TEXT);
          tx.spliceText(body, 0, 0, "x😀y");
          ObjectId list = tx.set(ObjectId.ROOT, "list", ObjectType.LIST);
          tx.insert(list, 0, "one");
          tx.insert(list, 1, 2);
          ObjectId nested = tx.set(ObjectId.ROOT, "nested", ObjectType.MAP);
          tx.set(nested, "deep", "value");
        }));
        Await.result(frontend.change(tx -> {
          tx.increment(ObjectId.ROOT, "count", 4);
          ObjectId body = ((AmValue.Text) tx.get(ObjectId.ROOT, "body").orElseThrow()).getId();
          tx.spliceText(body, 0, 0, "Z");
        }));
        List<String> javaHeads = frontend.heads();

        liveRelay.syncUntilQuiet();

        JsonObject expected = new JsonObject()
            .put("fromJava", "hi from java")
            .put("answer", 42)
            .put("ratio", 0.5)
            .put("flag", true)
            .put("count", 5)
            .put("body", "Zx😀y")
            .put("list", new JsonArray().add("one").add(2))
            .put("nested", new JsonObject().put("deep", "value"));
        assertThat(live.heads()).isEqualTo(javaHeads);
        assertThat(live.json()).isEqualTo(expected);
        assertThat(read(docId).getJsonObject("view")).isEqualTo(expected);
        liveRelay.bye();
        assertThat(liveRelay.misaddressed).isEmpty();
      }

      // A peer that arrives afterwards, with an empty document, gets everything too.
      try (Relay lateRelay = new Relay(late, docId, "node-late")) {
        lateRelay.hello();
        lateRelay.syncUntilQuiet();
        assertThat(late.heads()).isEqualTo(frontend.heads());
        assertThat(late.json()).isEqualTo(live.json());
        assertThat(late.json().fieldNames()).contains("fromJava", "answer", "body", "list", "nested", "count");
        lateRelay.bye();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers
  // ---------------------------------------------------------------------------------------------

  /**
   * Builds a document in Node change by change and sends each change as LOCAL_CHANGE; every
   * acknowledgement must name the JS heads. Returns Node's JSON of the result.
   */
  private static JsonObject authorAndSend(JsAutomergePeer js, String docId) {
    List<JsonArray> changes = List.of(
        ops(Ops.splice(List.of("text"), 0, 0, "a😀b"),
            Ops.put(List.of("title"), "interop"),
            Ops.put(List.of("meta", "author"), "node"),
            Ops.put(List.of("meta", "version"), 3)),
        ops(Ops.push(List.of("items"), 1),
            Ops.push(List.of("items"), "two"),
            Ops.push(List.of("items"), 2.5),
            Ops.push(List.of("items"), new JsonObject().put("k", "v"))),
        // JS indices are UTF-16 code units: the emoji takes 1..2, "b" is at 3.
        ops(Ops.splice(List.of("text"), 3, 0, "-"),
            Ops.increment(List.of("count"), 5),
            Ops.increment(List.of("meta", "stats", "views"), 1)),
        ops(Ops.splice(List.of("text"), 1, 2, "😎"),
            Ops.splice(List.of("text"), 5, 0, "🎉"), // "a😎-b" is 5 UTF-16 units
            Ops.increment(List.of("count"), -2),
            Ops.put(List.of("numbers", "int"), 42),
            Ops.put(List.of("numbers", "negative"), -7),
            Ops.put(List.of("numbers", "float"), 3.25),
            // Beyond 32 bits; not 2^53-1, which JS toJS gives as a BigInt that am-peer cannot print.
            Ops.put(List.of("numbers", "big"), 1099511627776L),
            Ops.put(List.of("numbers", "bigNegative"), -1099511627776L),
            Ops.put(List.of("numbers", "zero"), 0),
            Ops.put(List.of("flag"), false)),
        ops(Ops.put(List.of("title"), "interop, edited"),
            Ops.push(List.of("meta", "tags"), "x")));

    for (JsonArray change : changes) {
      byte[] bytes = js.change(change);
      assertThat(bytes).as("each op list makes one change").isNotNull();
      JsonObject ack = Await.result(service.frontend(new JsonObject()
          .put("type", "LOCAL_CHANGE").put("docId", docId).put("origin", "node-author")
          .put("change", Base64s.encode(bytes))));
      assertThat(ack.getString("docId")).isEqualTo(docId);
      assertThat(sorted(ack.getJsonArray("heads"))).isEqualTo(js.heads());
    }

    JsonObject json = js.json();
    // Node's own view of what it made: pins down that the ops did what this test means.
    assertThat(json).isEqualTo(new JsonObject()
        .put("text", "a😎-b🎉")
        .put("title", "interop, edited")
        .put("meta", new JsonObject()
            .put("author", "node")
            .put("version", 3)
            .put("stats", new JsonObject().put("views", 1))
            .put("tags", new JsonArray().add("x")))
        .put("items", new JsonArray().add(1).add("two").add(2.5).add(new JsonObject().put("k", "v")))
        .put("count", 3)
        .put("numbers", new JsonObject()
            .put("int", 42)
            .put("negative", -7)
            .put("float", 3.25)
            .put("big", 1099511627776L)
            .put("bigNegative", -1099511627776L)
            .put("zero", 0))
        .put("flag", false));
    return json;
  }

  private static JsonArray ops(JsonObject... ops) {
    return new JsonArray(List.of((Object[]) ops));
  }

  private static JsonObject read(String docId) {
    return Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", docId)));
  }

  private static List<String> sorted(JsonArray heads) {
    return heads.stream().map(String.class::cast).sorted().toList();
  }

  /**
   * Shuttles sync messages between a Node peer and the service's peer API, on the test thread:
   * server messages arrive on {@code docsync.peer.out.<peerId>} and go to {@code receiveSync};
   * whatever Node generates goes out as a SYNC request.
   */
  private static final class Relay implements AutoCloseable {
    private final JsAutomergePeer js;
    private final String docId;
    private final String peerId;
    private final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    private final List<JsonObject> misaddressed = new CopyOnWriteArrayList<>();
    private MessageConsumer<JsonObject> consumer;
    private int messagesFromServer;
    private int messagesToServer;
    private List<String> lastServerHeads = new ArrayList<>();

    Relay(JsAutomergePeer js, String docId, String peerId) {
      this.js = js;
      this.docId = docId;
      this.peerId = peerId;
    }

    /** Listens on the peer's outbox first, then says HELLO; returns the server's heads. */
    List<String> hello() {
      consumer = service.vertx().eventBus().consumer(Addresses.peerOutbox(peerId), m -> {
        JsonObject body = m.body();
        if (!"SYNC".equals(body.getString("type")) || !docId.equals(body.getString("docId"))
            || !peerId.equals(body.getString("peerId"))) {
          misaddressed.add(body);
          return;
        }
        inbox.add(Base64s.decode(body.getString("message"), "message"));
      });
      Await.result(consumer.completion());
      JsonObject reply = Await.result(service.peer(request("HELLO")));
      assertThat(reply.getString("docId")).isEqualTo(docId);
      lastServerHeads = sorted(reply.getJsonArray("heads"));
      return lastServerHeads;
    }

    /** Relays until Node has nothing to send and the server sent nothing for {@link #QUIET_MS}. */
    void syncUntilQuiet() {
      for (int round = 0; round < MAX_ROUNDS; round++) {
        boolean moved = false;
        for (byte[] message; (message = poll()) != null; ) {
          js.receiveSync(message);
          messagesFromServer++;
          moved = true;
        }
        Optional<byte[]> out = js.generateSync();
        if (out.isPresent()) {
          JsonObject reply = Await.result(service.peer(request("SYNC").put("message", Base64s.encode(out.get()))));
          lastServerHeads = sorted(reply.getJsonArray("heads"));
          messagesToServer++;
          moved = true;
        }
        if (!moved) {
          return;
        }
      }
      throw new AssertionError("sync between " + peerId + " and the service did not go quiet in " + MAX_ROUNDS
          + " rounds (" + messagesFromServer + " messages in, " + messagesToServer + " out)");
    }

    void bye() {
      JsonObject reply = Await.result(service.peer(request("BYE")));
      assertThat(reply.getString("peerId")).isEqualTo(peerId);
    }

    private byte[] poll() {
      try {
        return inbox.poll(QUIET_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }

    private JsonObject request(String type) {
      return new JsonObject().put("type", type).put("docId", docId).put("peerId", peerId);
    }

    @Override
    public void close() {
      if (consumer != null) {
        Await.result(consumer.unregister());
      }
    }
  }
}

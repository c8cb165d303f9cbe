package dev.docsync.transport.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.doc.ServerEvents;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The TCP event-bus bridge: framing, permissions, the frame size cap, clean-up on close. */
class TcpBridgeTest {
  private static final int MAX_FRAME = 64 * 1024;
  private static TestService service;
  private static int port;

  @BeforeAll
  static void start() throws IOException {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    service = TestService.start(new JsonObject()
        .put("DOCSYNC_BRIDGE_TCP_ENABLED", true)
        .put("DOCSYNC_BRIDGE_TCP_PORT", port)
        .put("DOCSYNC_BRIDGE_TCP_MAX_FRAME_BYTES", MAX_FRAME)
        .put("DOCSYNC_BRIDGE_EVENTS_OUTBOUND", true));
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void openReceiveChangesAndServerEvents() throws Exception {
    String docId = "tcp-" + UUID.randomUUID();
    try (TcpClient client = new TcpClient(port); EventBusFrontend java = new EventBusFrontend(service.vertx(), docId, "java")) {
      client.write(new JsonObject().put("type", "register").put("address", Addresses.changes(docId)));
      client.write(new JsonObject().put("type", "register").put("address", Addresses.EVENTS));
      client.write(request(Addresses.FRONTEND, new JsonObject().put("type", "OPEN").put("docId", docId), "r1"));
      JsonObject reply = client.next(f -> "r1".equals(f.getString("address")));
      assertThat(reply.getJsonObject("body").getString("docId")).isEqualTo(docId);

      java.open();
      Await.result(java.change(tx -> tx.set(ObjectId.ROOT, "k", 1)));
      JsonObject change = client.next(f -> Addresses.changes(docId).equals(f.getString("address")));
      assertThat(change.getJsonObject("body").getJsonArray("origins").getList()).containsExactly("java");
      // DOCSYNC_BRIDGE_EVENTS_OUTBOUND=true here: server events reach bridged clients
      JsonObject event = client.next(f -> Addresses.EVENTS.equals(f.getString("address")));
      assertThat(event.getJsonObject("body").getString("event")).isNotBlank();

      // A failed request: the core's code and text, on the reply address
      client.write(request(Addresses.FRONTEND, new JsonObject().put("type", "OPEN").put("docId", "!"), "r2"));
      JsonObject failed = client.next(f -> "r2".equals(f.getString("address")));
      assertThat(failed.getString("type")).isEqualTo("err");
      assertThat(failed.getInteger("failureCode")).isEqualTo(3);
    }
  }

  @Test
  void notPermittedAddressesAreRefused() throws Exception {
    try (TcpClient client = new TcpClient(port)) {
      client.write(request(Addresses.PEER, new JsonObject().put("type", "HELLO").put("docId", "d").put("peerId", "p"), "r1"));
      assertThat(client.next(f -> "err".equals(f.getString("type"))).getString("message")).isEqualTo("access_denied");
      client.write(new JsonObject().put("type", "register").put("address", Addresses.peerOutbox("victim")));
      assertThat(client.next(f -> "err".equals(f.getString("type"))).getString("message")).isEqualTo("access_denied");
      // The TCP bridge ignores the type match of a permission: docsync's bridge hook checks it, and
      // answers the reply address as the service would.
      client.write(request(Addresses.FRONTEND, new JsonObject().put("type", "SYNC").put("docId", "d"), "r2"));
      JsonObject unknown = client.next(f -> "r2".equals(f.getString("address")));
      assertThat(unknown.getInteger("failureCode")).isEqualTo(2);
      assertThat(unknown.getString("message")).startsWith("UNKNOWN_TYPE");
    }
  }

  @Test
  void aFrameOverTheCapIsRefusedBeforeItIsRead() throws Exception {
    try (TcpClient client = new TcpClient(port)) {
      // Announce 100 MB, send a little: the guard answers at the header, nothing is buffered.
      client.writeExpectingClose(java.nio.ByteBuffer.allocate(4 + 1000).putInt(100 * 1024 * 1024).array());
      JsonObject error = client.next(f -> "err".equals(f.getString("type")));
      assertThat(error.getString("message")).startsWith("frame_too_large");
      assertThat(client.closed()).isTrue();
    }
    try (TcpClient client = new TcpClient(port)) {
      String big = "x".repeat(MAX_FRAME);
      client.writeExpectingClose(frame(request(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", big), "r")));
      assertThat(client.next(f -> "err".equals(f.getString("type"))).getString("message")).startsWith("frame_too_large");
      assertThat(client.closed()).isTrue();
    }
    // Frames under the cap still work, split at any byte.
    try (TcpClient client = new TcpClient(port)) {
      byte[] frame = frame(request(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", "tcp-ok"), "r"));
      for (byte b : frame) {
        client.out.write(b);
        client.out.flush();
      }
      assertThat(client.next(f -> "r".equals(f.getString("address"))).getJsonObject("body").getString("docId")).isEqualTo("tcp-ok");
    }
  }

  @Test
  void aClosedSocketLeavesPresenceAndIsReported() throws Exception {
    String docId = "tcp-" + UUID.randomUUID();
    List<JsonObject> presence = new CopyOnWriteArrayList<>();
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> p = service.vertx().eventBus().consumer(PresenceAddresses.events(docId), m -> presence.add(m.body()));
    MessageConsumer<JsonObject> e = service.vertx().eventBus().consumer(Addresses.EVENTS, m -> events.add(m.body()));
    Await.result(p.completion());
    Await.result(e.completion());
    try (TcpClient client = new TcpClient(port)) {
      client.write(request(PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
          .put("participantId", "tcp-user").put("state", new JsonObject().put("cursor", "c")), "r"));
      client.next(f -> "r".equals(f.getString("address")));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> presence.stream().anyMatch(x -> "leave".equals(x.getString("event"))));
    assertThat(presence.get(presence.size() - 1).getString("reason")).isEqualTo("disconnect");
    await().until(() -> events.stream().anyMatch(x -> "connection.closed".equals(x.getString("event")) && "tcp".equals(x.getString("transport"))));
    assertThat(events).anyMatch(x -> "connection.opened".equals(x.getString("event")) && "tcp".equals(x.getString("transport")));
    Await.result(p.unregister());
    Await.result(e.unregister());
  }

  private static JsonObject request(String address, JsonObject body, String replyAddress) {
    return new JsonObject().put("type", "send").put("address", address).put("body", body).put("replyAddress", replyAddress);
  }

  private static byte[] frame(JsonObject json) {
    byte[] bytes = json.encode().getBytes(StandardCharsets.UTF_8);
    byte[] frame = new byte[4 + bytes.length];
    frame[0] = (byte) (bytes.length >>> 24);
    frame[1] = (byte) (bytes.length >>> 16);
    frame[2] = (byte) (bytes.length >>> 8);
    frame[3] = (byte) bytes.length;
    System.arraycopy(bytes, 0, frame, 4, bytes.length);
    return frame;
  }

  /** A blocking TCP bridge client: 4-byte big-endian length + UTF-8 JSON, both ways. */
  private static final class TcpClient implements AutoCloseable {
    private static final JsonObject CLOSED = new JsonObject().put("type", "<closed>");
    private final Socket socket;
    final DataOutputStream out;
    private final List<JsonObject> frames = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    TcpClient(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      out = new DataOutputStream(socket.getOutputStream());
      Thread reader = new Thread(this::read, "tcp-bridge-client");
      reader.setDaemon(true);
      reader.start();
    }

    void write(JsonObject json) throws IOException {
      out.write(frame(json));
      out.flush();
    }

    /** Writes bytes the server may refuse mid-way: a reset after its answer is expected, not a failure. */
    void writeExpectingClose(byte[] bytes) {
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // the server closed the socket after its error frame, which next() still reads
      }
    }

    /** The first frame received so far (or within 10 s) that matches; other frames stay for later calls. */
    JsonObject next(java.util.function.Predicate<JsonObject> wanted) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        synchronized (frames) {
          for (JsonObject frame : frames) {
            if (frame != CLOSED && wanted.test(frame)) {
              frames.remove(frame);
              return frame;
            }
          }
        }
        Thread.sleep(5);
      }
      throw new AssertionError("no matching frame within 10 s; received " + frames);
    }

    /** True once the server closed the socket (within 5 s). */
    boolean closed() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < deadline) {
        if (frames.contains(CLOSED)) {
          return true;
        }
        Thread.sleep(5);
      }
      return false;
    }

    private void read() {
      // Not try-with-resources: closing the input stream would close the socket under a concurrent write.
      try {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        while (true) {
          byte[] bytes = new byte[in.readInt()];
          in.readFully(bytes);
          frames.add(new JsonObject(new String(bytes, StandardCharsets.UTF_8)));
        }
      } catch (EOFException e) {
        // closed by the server
      } catch (IOException e) {
        // closed
      } finally {
        frames.add(CLOSED);
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}

package dev.docsync.transport.ws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What an idle joined WebSocket holds on the server's heap. Vert.x gives every connection not in
 * strict thread mode a cross-thread write queue whose first chunk is 1,024 slots (~4 KB, a quarter
 * of an idle socket's heap); docsync touches its connections only from their event loop, so the
 * HTTP server runs in strict thread mode and an upgraded socket's own queue is replaced by a direct one
 * ({@link DirectWrites}).
 * Counted with a class histogram of this JVM (clients included: their count does not change).
 */
class IdleConnectionHeapTest {
  private static final int SOCKETS = 200;
  private static final String QUEUE = "io.netty.util.internal.shaded.org.jctools.queues.MpscUnboundedArrayQueue";

  @Test
  void anIdleJoinedSocketHoldsNoCrossThreadQueueOfItsHttpConnection() throws Exception {
    Vertx clients = Vertx.vertx();
    try (TestService service = TestService.start()) {
      WebSocketClient shared = WsClient.sharedClient(clients);
      long before = instances(QUEUE);
      List<WsClient> open = new ArrayList<>();
      for (int i = 0; i < SOCKETS; i++) {
        WsClient client = Await.result(WsClient.connect(shared, service.httpPort()));
        client.join("idle-" + i);
        open.add(client);
      }
      double perSocket = (instances(QUEUE) - before) / (double) SOCKETS;
      System.out.printf("cross-thread queues per idle joined socket (server and client): %.2f%n", perSocket);
      // Client side: two (its HTTP connection and its WebSocket); server side: none (strict thread mode for the
      // HTTP connection, DirectWrites for the WebSocket's), not two.
      assertThat(perSocket).isLessThan(2.5);
      open.forEach(WsClient::close);
    } finally {
      Await.result(clients.close());
    }
  }

  /** Live instances of a class (the histogram runs a full GC first). */
  private static long instances(String className) throws Exception {
    Process jcmd = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String out = new String(jcmd.getInputStream().readAllBytes());
    jcmd.waitFor();
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":") && f[3].equals(className)) {
        return Long.parseLong(f[1]);
      }
    }
    return 0;
  }
}

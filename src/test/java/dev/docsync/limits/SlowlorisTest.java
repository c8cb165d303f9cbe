package dev.docsync.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.TestService;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slowloris: one address opens many connections and sends request heads a byte at a time, never
 * finishing them. Connections past the per-address limit are closed at accept, the rest at the head
 * deadline; /health answers throughout. Authentication on.
 */
@Timeout(120)
class SlowlorisTest {
  private static final int PER_IP = 50;
  private static final long HEAD_TIMEOUT_MS = 3000;

  @Test
  void unfinishedRequestHeadsAreBoundedPerAddressAndClosedAtTheDeadline() throws IOException {
    try (TestService service = TestService.start(Tokens.authOn()
        .put("DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP", PER_IP)
        .put("DOCSYNC_HTTP_REQUEST_HEAD_TIMEOUT_MS", HEAD_TIMEOUT_MS))) {
      Tokens tokens = new Tokens(service.vertx(), Tokens.SECRET);
      double perIpBefore = Attack.exceeded(service.httpPort(), tokens, "http_connections_per_ip", "http");
      double headBefore = Attack.exceeded(service.httpPort(), tokens, "http_request_head_timeout", "http");
      List<Socket> sockets = new ArrayList<>();
      long started = System.nanoTime();
      try {
        for (int i = 0; i < 4 * PER_IP; i++) {
          Socket socket = new Socket();
          socket.bind(new InetSocketAddress("127.0.0.2", 0));
          socket.connect(new InetSocketAddress("127.0.0.1", service.httpPort()), 5000);
          sockets.add(socket);
          dribble(socket, "GET /sync HTTP/1.1\r\n");
        }
        // Past the per-address limit: closed at once, before a request is read.
        await().atMost(Duration.ofSeconds(10)).until(() ->
            Attack.exceeded(service.httpPort(), tokens, "http_connections_per_ip", "http") - perIpBefore >= 3 * PER_IP);
        // Another address, and the node's health, are untouched while the attack holds its connections.
        assertThat(Attack.get(service.httpPort(), "/health", null).statusCode()).isEqualTo(200);
        for (Socket socket : sockets) {
          dribble(socket, "X"); // a byte now and then: no idle timeout fires
        }
        // The unfinished heads are closed at the deadline.
        await().atMost(Duration.ofMillis(HEAD_TIMEOUT_MS + 10_000)).until(() ->
            Attack.exceeded(service.httpPort(), tokens, "http_request_head_timeout", "http") - headBefore >= PER_IP);
        System.out.printf("slowloris: %d of %d connections refused at accept, %d closed at the %d ms head deadline after %d ms%n",
            (long) (Attack.exceeded(service.httpPort(), tokens, "http_connections_per_ip", "http") - perIpBefore), sockets.size(),
            (long) (Attack.exceeded(service.httpPort(), tokens, "http_request_head_timeout", "http") - headBefore), HEAD_TIMEOUT_MS,
            (System.nanoTime() - started) / 1_000_000);
        assertThat(sockets).allMatch(SlowlorisTest::closedByServer);
        // The address may connect again, and an honest request is served.
        assertThat(Attack.get(service.httpPort(), "/health", null).statusCode()).isEqualTo(200);
      } finally {
        for (Socket socket : sockets) {
          socket.close();
        }
      }
    }
  }

  private static void dribble(Socket socket, String text) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(text.getBytes(StandardCharsets.US_ASCII));
      out.flush();
    } catch (IOException e) {
      // already closed by the server: that is the point
    }
  }

  private static boolean closedByServer(Socket socket) {
    try {
      socket.setSoTimeout(5000);
      return socket.getInputStream().read() < 0;
    } catch (IOException e) {
      return true; // reset
    }
  }
}

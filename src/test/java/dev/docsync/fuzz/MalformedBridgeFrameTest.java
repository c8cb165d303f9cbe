package dev.docsync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.limits.BridgeClient;
import dev.docsync.protocol.Addresses;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Frames the fuzz test found to break the event-bus bridges: on the TCP bridge, each one used to make
 * vertx-tcp-eventbus-bridge lose its place in the stream (every later frame misread, the socket hung);
 * on SockJS, the frame was silently lost with an error in the log. Now each is refused with an answer,
 * and the next frame on the same socket is served.
 */
@Timeout(60)
class MalformedBridgeFrameTest {
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode().authOff() // frames without tokens
      .with("DOCSYNC_BRIDGE_TCP_ENABLED", true).with("DOCSYNC_BRIDGE_TCP_PORT", 0);
  private static TestService service;
  private static Vertx clients;

  /** Frames the bridges choke on. */
  private static final List<String> MALFORMED = List.of(
      "{\"type\":\"SEND\",\"address\":\"docsync.frontend\",\"body\":{}}",                 // unknown type (TCP: IllegalArgumentException)
      "{\"type\":7,\"address\":\"docsync.frontend\"}",                                     // type not a string
      "{\"address\":\"docsync.frontend\"}",                                                // no type
      "{\"type\":\"send\",\"address\":42,\"body\":{}}",                                    // address not a string
      "{\"type\":\"send\",\"address\":\"docsync.frontend\",\"headers\":{\"timeout\":-1},\"body\":{\"type\":\"READ\",\"docId\":\"m\"}}",
      "{\"type\":\"send\",\"address\":\"docsync.frontend\",\"headers\":{\"x\":null},\"body\":{\"type\":\"READ\",\"docId\":\"m\"}}",
      "{\"type\":\"send\",\"address\":\"docsync.frontend\",\"headers\":{\"x\":\"a\\u0000b\"},\"body\":{\"type\":\"READ\",\"docId\":\"m\"}}",
      "{\"type\":\"send\",\"address\":\"docsync.frontend\",\"headers\":3,\"body\":{\"type\":\"READ\",\"docId\":\"m\"}}",
      "{\"type\":\"send\",\"address\":\"docsync.frontend\",\"replyAddress\":5,\"body\":{\"type\":\"READ\",\"docId\":\"m\"}}",
      "[1,2,3]",
      "not json at all");

  @BeforeAll
  static void start() {
    service = docsync.service();
    clients = service.clients();
  }

  @Test
  void aMalformedTcpFrameIsRefusedAndTheSocketCarriesOn() {
    try (BridgeClient tcp = BridgeClient.tcp(clients, service.verticle().bridges().tcpPort(), null)) {
      for (String frame : MALFORMED) {
        tcp.sendText(frame);
        JsonObject error = tcp.next(f -> "err".equals(f.getString("type")) && f.getValue("message") instanceof String m
            && m.startsWith("MALFORMED_MESSAGE"));
        assertThat(error.getString("message")).as(frame).startsWith("MALFORMED_MESSAGE: ");
        assertServed(tcp);
      }
    }
  }

  @Test
  void aMalformedSockJsFrameIsRefusedAndTheSocketCarriesOn() {
    try (BridgeClient sockJs = BridgeClient.sockJs(clients, service.httpPort(), null)) {
      for (String frame : MALFORMED) {
        sockJs.sendText(frame);
        assertServed(sockJs);
      }
    }
  }

  /** A READ right after is answered on the same socket. */
  private static void assertServed(BridgeClient client) {
    String reply = client.request(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", "malformed-probe"));
    assertThat(client.reply(reply).getJsonObject("body").getString("docId")).isEqualTo("malformed-probe");
  }
}

package dev.docsync.transport.bridge;

import dev.docsync.limits.Limit;
import dev.docsync.limits.Slot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The public face of the TCP bridge: a TCP proxy in front of the real bridge (bound to loopback)
 * that enforces the frame size cap the bridge lacks and the connections per address, passes on only
 * whole frames the bridge can parse ({@link TcpFrames}), and reports connections opened and closed.
 * The bridge module has no hook to do either (no size limit, no socket events), hence the proxy.
 */
final class TcpFrameGuard {
  private final NetClient client;
  private final int backendPort;
  private final int maxFrameBytes;
  private final ConnectionEvents events;
  private final BridgeLimits limits;

  private TcpFrameGuard(NetClient client, int backendPort, int maxFrameBytes, ConnectionEvents events, BridgeLimits limits) {
    this.client = client;
    this.backendPort = backendPort;
    this.maxFrameBytes = maxFrameBytes;
    this.events = events;
    this.limits = limits;
  }

  static Future<NetServer> listen(Vertx vertx, String host, int port, int backendPort, int maxFrameBytes,
      ConnectionEvents events, BridgeLimits limits) {
    TcpFrameGuard guard = new TcpFrameGuard(vertx.createNetClient(), backendPort, maxFrameBytes, events, limits);
    return vertx.createNetServer().connectHandler(guard::accept).listen(port, host);
  }

  private void accept(NetSocket front) {
    front.pause(); // nothing is read before the backend connection exists
    Slot slot = limits.connect(front.remoteAddress(), ConnectionEvents.TCP);
    if (slot == null) {
      front.write(TcpBridge.frame(limits.connectionRefused(front.remoteAddress(), ConnectionEvents.TCP)))
          .onComplete(ar -> front.close());
      return;
    }
    String id = UUID.randomUUID().toString();
    events.opened(ConnectionEvents.TCP, id, front.remoteAddress());
    Future<NetSocket> backend = client.connect(backendPort, "127.0.0.1");
    front.closeHandler(v -> {
      slot.release();
      events.closed(ConnectionEvents.TCP, id, front.remoteAddress());
      backend.onSuccess(NetSocket::close);
    });
    backend.onSuccess(back -> link(front, back)).onFailure(e -> front.close());
  }

  private void link(NetSocket front, NetSocket back) {
    TcpFrames frames = new TcpFrames(maxFrameBytes);
    front.handler(chunk -> {
      List<Buffer> whole = frames.accept(chunk);
      if (whole == null) {
        refuse(front, back);
        return;
      }
      whole.forEach(frame -> forward(frame, front, back));
    });
    back.handler(chunk -> forward(chunk, back, front));
    back.closeHandler(v -> front.close());
    front.resume();
  }

  /** Passes bytes on, pausing the source while the destination cannot take more. */
  private static void forward(Buffer chunk, NetSocket from, NetSocket to) {
    to.write(chunk);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }

  private void refuse(NetSocket front, NetSocket back) {
    limits.exceeded(Limit.MESSAGE_SIZE, ConnectionEvents.TCP);
    front.handler(null);
    back.close();
    String error = new JsonObject().put("type", "err")
        .put("message", "frame_too_large: frames are limited to " + maxFrameBytes + " bytes").encode();
    byte[] json = error.getBytes(StandardCharsets.UTF_8);
    front.write(Buffer.buffer().appendInt(json.length).appendBytes(json)).onComplete(ar -> front.close());
  }
}

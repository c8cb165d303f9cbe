package dev.docsync.limits;

import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * A WebSocket client on a plain {@link Socket}, written by hand as an attacker would: it reads only
 * when told to, so a client that "stops reading" leaves the server's bytes in the kernel (a library
 * client would buffer them in this JVM's heap), and it can write frames no library writes (unfinished
 * fragmented messages, half frames).
 */
final class RawSocketWs implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawSocketWs(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Upgrades {@code /sync?token=...} from {@code localAddress} (null: any) and checks the 101. */
  static RawSocketWs open(int port, String localAddress, String token) {
    try {
      Socket socket = new Socket();
      socket.setReceiveBufferSize(64 << 10);
      if (localAddress != null) {
        socket.bind(new InetSocketAddress(localAddress, 0));
      }
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      RawSocketWs ws = new RawSocketWs(socket);
      String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
      ws.out.write(("GET /sync" + (token == null ? "" : "?token=" + token) + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
          + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String head = ws.readHead();
      if (!head.startsWith("HTTP/1.1 101")) {
        throw new IllegalStateException("upgrade refused: " + head);
      }
      return ws;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the handshake");
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  void send(Map<String, Object> message) {
    frame(0x2, WsClient.encode(message), true);
  }

  void join(String peerId) {
    send(WsClient.joinMessage(peerId));
  }

  void request(String peerId, String docId) {
    send(WsClient.docMessage("request", peerId, docId, WsSyncPeer.emptyDocSyncMessage()));
  }

  /** An unsolicited pong: proves liveness to the server without reading anything. */
  void pong() {
    frame(0xA, new byte[] {'h', 'i'}, true);
  }

  /** A data or control frame, masked as a client must. */
  synchronized void frame(int opcode, byte[] payload, boolean fin) {
    try {
      out.write(header(opcode, payload.length, fin));
      byte[] masked = payload.clone(); // mask key 0: the masking is a no-op, but the MASK bit is set
      out.write(masked);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The header of a frame announcing {@code length} bytes, for writing only part of its payload. */
  static byte[] header(int opcode, long length, boolean fin) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write((fin ? 0x80 : 0) | opcode);
    if (length < 126) {
      h.write(0x80 | (int) length);
    } else if (length < 65536) {
      h.write(0x80 | 126);
      h.write((int) (length >> 8));
      h.write((int) length);
    } else {
      h.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        h.write((int) (length >> (8 * i)));
      }
    }
    h.write(0);
    h.write(0);
    h.write(0);
    h.write(0); // mask key
    return h.toByteArray();
  }

  void writeRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next binary message from the server (control frames skipped), or null if none comes within {@code ms}. */
  Map<String, Object> read(long ms) {
    try {
      socket.setSoTimeout((int) ms);
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      while (true) {
        int b0 = in.read();
        if (b0 < 0) {
          throw new IOException("closed by the server");
        }
        int b1 = in.readNBytes(1)[0] & 0xff;
        long length = b1 & 0x7f;
        if (length == 126) {
          length = new java.math.BigInteger(1, in.readNBytes(2)).longValue();
        } else if (length == 127) {
          length = new java.math.BigInteger(1, in.readNBytes(8)).longValue();
        }
        byte[] payload = in.readNBytes((int) length); // the server does not mask
        int opcode = b0 & 0x0f;
        if (opcode == 0x2 || opcode == 0x0) {
          message.write(payload);
          if ((b0 & 0x80) != 0) {
            return WsClient.decode(message.toByteArray());
          }
        }
      }
    } catch (SocketTimeoutException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads (and discards) until the server closes the TCP connection; false if it is still open after {@code ms}. */
  boolean drainUntilClosed(long ms) {
    long deadline = System.currentTimeMillis() + ms;
    byte[] buffer = new byte[1 << 16];
    try {
      while (System.currentTimeMillis() < deadline) {
        socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        try {
          if (in.read(buffer) < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          return false;
        }
      }
      return false;
    } catch (IOException e) {
      return true; // reset: closed too
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // already gone
    }
  }
}

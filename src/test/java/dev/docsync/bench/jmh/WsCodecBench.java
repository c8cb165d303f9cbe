package dev.docsync.bench.jmh;

import dev.docsync.transport.ws.WsCodec;
import dev.docsync.transport.ws.WsDecodeException;
import dev.docsync.transport.ws.WsMessage;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** automerge-repo frames: decode and encode of a {@code sync} message (WsCodec, Jackson CBOR). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class WsCodecBench {
  /** Sync message bytes: a one-keystroke change (~150 B) and a bigger batch. */
  @Param({"150", "16384"})
  public int dataBytes;

  private final WsCodec codec = new WsCodec();
  private WsMessage.Sync message;
  private byte[] frame;

  @Setup
  public void setup() {
    byte[] data = new byte[dataBytes];
    new Random(1).nextBytes(data);
    message = new WsMessage.Sync("bench-peer-0123456789", "docsync-1a2b3c4d", "4Xz1dqN5LA7dXpKwHEeeakqwYiUR", data);
    frame = codec.encode(message);
  }

  @Benchmark
  public WsMessage decode() throws WsDecodeException {
    return codec.decode(frame);
  }

  @Benchmark
  public byte[] encode() {
    return codec.encode(message);
  }
}

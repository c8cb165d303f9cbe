package dev.docsync.bench.jmh;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the server pays per keystroke in the Automerge core, on a document of {@code history} changes:
 * receiving a sync message carrying one change, receiving the same acknowledgement (heads only) again
 * and again, a change followed by another peer's fresh acknowledgement of it,
 * applying the change as encoded bytes, and generating the next sync message. Each invocation starts
 * from a fresh copy of the document (not measured) and takes {@value #OPS} consecutive messages, so
 * the document grows by at most {@value #OPS} changes during one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class AutomergeReceiveBench {
  static final int OPS = 50;

  @Param({"1000", "10000"})
  public int history;

  private byte[] serverBase;
  private byte[] serverState;
  private final byte[][] changeMessages = new byte[OPS][];
  private final byte[][] encodedChanges = new byte[OPS][];
  private byte[] ackMessage;
  private final byte[][] ackMessages = new byte[OPS][];
  private byte[] otherState;
  private Document server;
  private SyncState state;
  private SyncState stateOfOther;

  @Setup(Level.Trial)
  public void prepare() {
    Document s = new Document();
    ObjectId text;
    try (Transaction tx = s.startTransaction()) {
      text = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
      tx.commit();
    }
    for (int i = 1; i < history; i++) {
      try (Transaction tx = s.startTransaction()) {
        tx.spliceText(text, i - 1, 0, "a");
        tx.commit();
      }
    }
    Document client = s.fork();
    SyncState ss = new SyncState();
    SyncState cs = new SyncState();
    converge(s, ss, client, cs);
    // a second peer: its answers to the relayed changes are the acknowledgements (heads only)
    Document other = s.fork();
    SyncState so = new SyncState();
    SyncState os = new SyncState();
    converge(s, so, other, os);
    serverBase = s.save();
    serverState = ss.encode();
    otherState = so.encode();
    for (int i = 0; i < OPS; i++) {
      var before = client.getHeads();
      try (Transaction tx = client.startTransaction()) {
        tx.spliceText(text, 0, 0, "b");
        tx.commit();
      }
      encodedChanges[i] = client.encodeChangesSince(before);
      changeMessages[i] = client.generateSyncMessage(cs).orElseThrow();
      s.receiveSyncMessage(ss, changeMessages[i]);
      s.generateSyncMessage(ss).ifPresent(m -> client.receiveSyncMessage(cs, m));
      // relayed to the other peer, whose answer is an acknowledgement: heads only, no change
      s.generateSyncMessage(so).ifPresent(m -> other.receiveSyncMessage(os, m));
      Optional<byte[]> ack = other.generateSyncMessage(os);
      if (ack.isPresent()) {
        ackMessage = ack.get();
        ackMessages[i] = ackMessage;
        s.receiveSyncMessage(so, ackMessage);
      }
    }
    if (ackMessage == null) {
      throw new IllegalStateException("no acknowledgement message was produced");
    }
    s.free();
    client.free();
    other.free();
    ss.free();
    cs.free();
    so.free();
    os.free();
  }

  private static void converge(Document a, SyncState as, Document b, SyncState bs) {
    for (int round = 0; round < 20; round++) {
      Optional<byte[]> ab = a.generateSyncMessage(as);
      ab.ifPresent(m -> b.receiveSyncMessage(bs, m));
      Optional<byte[]> ba = b.generateSyncMessage(bs);
      ba.ifPresent(m -> a.receiveSyncMessage(as, m));
      if (ab.isEmpty() && ba.isEmpty()) {
        return;
      }
    }
  }

  @Setup(Level.Invocation)
  public void fresh() {
    server = Document.load(serverBase);
    state = SyncState.decode(serverState);
    stateOfOther = SyncState.decode(otherState);
  }

  @TearDown(Level.Invocation)
  public void free() {
    server.free();
    state.free();
    stateOfOther.free();
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public void receiveChange() {
    for (byte[] m : changeMessages) {
      server.receiveSyncMessage(state, m);
    }
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public void receiveAcknowledgement() {
    for (int i = 0; i < OPS; i++) {
      server.receiveSyncMessage(state, ackMessage);
    }
  }

  /** A change from one peer, then the other peer's acknowledgement of it (a fresh one each time). */
  @Benchmark
  @OperationsPerInvocation(OPS)
  public void receiveChangeThenItsAcknowledgement() {
    for (int i = 0; i < OPS; i++) {
      server.receiveSyncMessage(state, changeMessages[i]);
      if (ackMessages[i] != null) {
        server.receiveSyncMessage(stateOfOther, ackMessages[i]);
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public void applyEncodedChange() {
    for (byte[] c : encodedChanges) {
      server.applyEncodedChanges(c);
    }
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public int receiveChangeAndGenerateReply() {
    int bytes = 0;
    for (byte[] m : changeMessages) {
      server.receiveSyncMessage(state, m);
      bytes += server.generateSyncMessage(state).map(r -> r.length).orElse(0);
    }
    return bytes;
  }
}

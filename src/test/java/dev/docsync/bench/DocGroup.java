package dev.docsync.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;

/**
 * One document and the simulated clients that edit it. Every client starts from the same base
 * document (one change making the {@code text} object), so all replicas share its object id. Each
 * client i writes its sequence number under key {@code c<i>} with every change and records the
 * commit time of each sequence number here, where the other clients look it up on arrival.
 */
final class DocGroup {
  final String docId;
  final List<SimClient> clients = new ArrayList<>();
  final byte[] base;
  private final List<CommitClock> clocks = new ArrayList<>();

  DocGroup(String docId, byte[] base) {
    this.docId = docId;
    this.base = base;
  }

  /** save() of a document holding an empty text object at {@code text}. */
  static byte[] baseDocument() {
    Document doc = new Document();
    try {
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
        tx.commit();
      }
      return doc.save();
    } finally {
      doc.free();
    }
  }

  SimClient add(LoadGenerator gen, boolean durableClient) {
    SimClient client = new SimClient(gen, this, clients.size(), durableClient);
    clients.add(client);
    clocks.add(new CommitClock());
    return client;
  }

  CommitClock clock(int client) {
    return clocks.get(client);
  }

  /** Commit times by sequence number (1, 2, ...), written by one client's thread, read by the others'. */
  static final class CommitClock {
    private static final int BLOCK = 1024;
    private final AtomicReferenceArray<AtomicLongArray> blocks = new AtomicReferenceArray<>(1 << 14);

    void set(long seq, long nanos) {
      int b = (int) (seq / BLOCK);
      AtomicLongArray block = blocks.get(b);
      if (block == null) {
        block = new AtomicLongArray(BLOCK);
        blocks.set(b, block);
      }
      block.set((int) (seq % BLOCK), nanos);
    }

    /** 0 when unknown. */
    long get(long seq) {
      AtomicLongArray block = blocks.get((int) (seq / BLOCK));
      return block == null ? 0 : block.get((int) (seq % BLOCK));
    }
  }
}

package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.limits.SyncMessageCheck;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * What LoadedDocument relies on to skip a generate: once the server has answered a peer, a message of that peer
 * stating exactly the server's heads (in order) and carrying and asking for nothing leaves nothing to send it
 * while the document stays as it is. Checked with the real core on random conversations of several typists
 * (messages delayed, reordered between peers, several in a row from one peer), on every such message.
 */
class SettledPeerTest {

  @Test
  void afterABareMessageStatingTheServersHeadsAGenerateReturnsNothing() {
    Random random = new Random(12);
    int checked = 0;
    for (int run = 0; run < 40; run++) {
      checked += conversation(random, 2 + random.nextInt(3), 300);
    }
    System.out.println("settled messages checked: " + checked);
    assertThat(checked).isGreaterThan(100);
  }

  /** Returns how many settled messages were checked. */
  private static int conversation(Random random, int peers, int steps) {
    Document server = new Document();
    ObjectId text;
    try (Transaction tx = server.startTransaction()) {
      text = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
      tx.commit();
    }
    List<Document> docs = new ArrayList<>();
    List<SyncState> serverStates = new ArrayList<>();
    List<SyncState> peerStates = new ArrayList<>();
    List<List<byte[]>> toServer = new ArrayList<>();
    List<List<byte[]>> toPeer = new ArrayList<>();
    boolean[] responded = new boolean[peers];
    for (int i = 0; i < peers; i++) {
      docs.add(server.fork());
      serverStates.add(new SyncState());
      peerStates.add(new SyncState());
      toServer.add(new ArrayList<>());
      toPeer.add(new ArrayList<>());
    }
    int checked = 0;
    for (int step = 0; step < steps; step++) {
      int p = random.nextInt(peers);
      switch (random.nextInt(4)) {
        case 0 -> { // the peer types, then may send
          try (Transaction tx = docs.get(p).startTransaction()) {
            tx.spliceText(text, 0, 0, "x");
            tx.commit();
          }
          docs.get(p).generateSyncMessage(peerStates.get(p)).ifPresent(toServer.get(p)::add);
        }
        case 1 -> { // the server takes what the peer sent (maybe several in a row), then maybe answers everyone
          List<byte[]> inbox = toServer.get(p);
          int take = inbox.isEmpty() ? 0 : 1 + random.nextInt(inbox.size());
          for (int k = 0; k < take; k++) {
            byte[] message = inbox.remove(0);
            ChangeHash[] before = server.getHeads();
            byte[][] stated = SyncMessageCheck.headsIfBare(message, true);
            boolean settles = stated != null && sameInOrder(before, stated);
            server.receiveSyncMessage(serverStates.get(p), message);
            if (settles && responded[p] && random.nextBoolean()) {
              assertThat(server.generateSyncMessage(serverStates.get(p))).as("generate after a settling message").isEmpty();
              checked++;
            }
          }
          if (random.nextBoolean()) {
            for (int q = 0; q < peers; q++) {
              Optional<byte[]> out = server.generateSyncMessage(serverStates.get(q));
              if (out.isPresent()) {
                responded[q] = true;
                toPeer.get(q).add(out.get());
              }
            }
          }
        }
        default -> { // the peer reads what the server sent, then answers
          List<byte[]> inbox = toPeer.get(p);
          while (!inbox.isEmpty()) {
            docs.get(p).receiveSyncMessage(peerStates.get(p), inbox.remove(0));
          }
          docs.get(p).generateSyncMessage(peerStates.get(p)).ifPresent(toServer.get(p)::add);
        }
      }
    }
    server.free();
    docs.forEach(Document::free);
    serverStates.forEach(SyncState::free);
    peerStates.forEach(SyncState::free);
    return checked;
  }

  private static boolean sameInOrder(ChangeHash[] heads, byte[][] stated) {
    if (heads.length != stated.length) {
      return false;
    }
    for (int i = 0; i < heads.length; i++) {
      if (!Arrays.equals(heads[i].getBytes(), stated[i])) {
        return false;
      }
    }
    return true;
  }
}

package dev.docsync.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.automerge.ObjectId;

/**
 * An honest /sync client that keeps writing while a test attacks the node: {@link #carriesOn()} after
 * each test checks that its socket is open and its next edit reaches the store.
 */
public final class Bystander {
  private final TestService service;
  private final WsSyncPeer peer;
  private final String docId;
  private int edits;

  private Bystander(TestService service, String peerId) {
    this.service = service;
    this.docId = peerId + "-" + UUID.randomUUID();
    this.peer = service.syncPeer(peerId);
    peer.open(docId, tx -> tx.set(ObjectId.ROOT, "edits", 0));
  }

  /** Joins as {@code peerId} and starts a document of its own (closed with the service's clients). */
  public static Bystander join(TestService service, String peerId) {
    return new Bystander(service, peerId);
  }

  /** One more edit, stored within 10 s, on a socket still open. */
  public void carriesOn() {
    int n = ++edits;
    peer.change(docId, tx -> tx.set(ObjectId.ROOT, "edits", n));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.heads(docId).equals(peer.heads(docId)));
    assertThat(peer.client().isClosed()).isFalse();
  }

  public String docId() {
    return docId;
  }

  public List<String> heads() {
    return peer.heads(docId);
  }
}

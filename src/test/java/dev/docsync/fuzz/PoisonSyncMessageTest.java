package dev.docsync.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.limits.PoisonMessages;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.TestService;
import dev.docsync.testing.WsClient;
import dev.docsync.testing.WsSyncPeer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The sync messages the fuzz test found to take the Automerge core down (an abort of the whole JVM, a
 * worker stuck for good) are refused at /sync with INVALID_SYNC_MESSAGE; the document and the node carry on.
 * Without the check this test does not fail: its JVM dies.
 */
@Timeout(60)
class PoisonSyncMessageTest {
  @RegisterExtension
  static final DocsyncExtension docsync = DocsyncExtension.oneNode();

  @Test
  void poisonedBloomFiltersNeverReachAutomerge(TestService service) {
    String doc = "poison-" + UUID.randomUUID();
    WsSyncPeer writer = service.syncPeer("poison-writer");
    WsClient attacker = service.ws();
    writer.open(doc, tx -> tx.set(ObjectId.ROOT, "title", "has changes"));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.heads(doc).equals(writer.heads(doc)));
    attacker.join("poison-attacker");
    for (byte[] poison : new byte[][] {PoisonMessages.ZERO_BITS, PoisonMessages.BILLIONS_OF_PROBES}) {
      attacker.sendDoc("sync", doc, poison);
      Map<String, Object> error = attacker.nextOfType("error");
      assertThat((String) error.get("message")).startsWith("INVALID_SYNC_MESSAGE: Bloom filter").contains(doc);
    }
    // The document, the writer and the attacker's socket all carry on.
    writer.change(doc, tx -> tx.set(ObjectId.ROOT, "after", true));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.heads(doc).equals(writer.heads(doc)));
    attacker.sendDoc("request", doc, WsSyncPeer.emptyDocSyncMessage());
    assertThat(attacker.nextOfType("sync").get("documentId")).isEqualTo(doc);
  }
}

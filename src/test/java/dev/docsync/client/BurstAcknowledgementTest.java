package dev.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.TestService;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * A peer that sends a burst of changes learns that the server has them all. Regression: when one batch held two
 * messages of a peer (its changes, then a message stating the same heads), Automerge recorded the new heads as
 * already told to the peer and the server never acknowledged them: whenSynced() timed out in 1 to 3 rounds of 5.
 */
class BurstAcknowledgementTest {

  @Test
  void everyBurstIsAcknowledged() throws Exception {
    try (TestService docsync = TestService.start();
         DocsyncClient client = DocsyncClient.connect("http://127.0.0.1:" + docsync.httpPort(), null)) {
      for (int round = 0; round < 5; round++) {
        DocHandle doc = client.create();
        for (int n = 0; n < 2_000; n++) {
          int k = n;
          doc.change(tx -> tx.set(ObjectId.ROOT, "key" + (k % 100), k));
        }
        doc.whenSynced().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(doc.view().getInteger("key99")).isEqualTo(1_999);
      }
    }
  }
}

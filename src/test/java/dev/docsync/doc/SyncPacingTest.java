package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import dev.docsync.testing.DocsyncExtension;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One round per round trip: a peer that has not answered our last message with changes gets what
 * changed since in one message, when it answers or when the pace runs out; other peers are not held up.
 */
class SyncPacingTest {
  private static final String DOC = "pacing";
  /** A fresh database for every test; each starts its node with its own pace. */
  @RegisterExtension
  final DocsyncExtension docsync = DocsyncExtension.nodes(0);

  @Test
  void aSlowPeerGetsWhatWaitedInOneMessageOnceItAnswers() {
    TestService service = docsync.startNode(new JsonObject().put("DOCSYNC_SYNC_PACE_MS", 60_000));
    EventBusFrontend writer = service.frontend(DOC, "w");
    EventBusPeer slow = service.eventBusPeer("slow", DOC, new Document());
    EventBusPeer fast = service.eventBusPeer("fast", DOC, new Document());
    type(writer, fast, 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> has(slow, 1));
    slow.holdAnswers();
    int before = slow.changesPerMessage().size();

    type(writer, fast, 2);
    type(writer, fast, 3);
    type(writer, fast, 4);
    // Without pacing, each of the three changes would have gone to the slow peer on its own.
    assertThat(withChanges(slow.changesPerMessage().subList(before, slow.changesPerMessage().size()))).isLessThanOrEqualTo(1);

    slow.answerHeld(); // within 10 s, the 60 s pace cannot be what lets the rest through
    await().atMost(Duration.ofSeconds(10)).until(() -> has(slow, 4));
    assertThat(slow.heads()).isEqualTo(writer.heads());
  }

  @Test
  void aPeerThatNeverAnswersStillGetsEveryChangeOncePerPace() {
    TestService service = docsync.startNode(new JsonObject().put("DOCSYNC_SYNC_PACE_MS", 200));
    EventBusFrontend writer = service.frontend(DOC, "w");
    EventBusPeer silent = service.eventBusPeer("silent", DOC, new Document());
    EventBusPeer fast = service.eventBusPeer("fast", DOC, new Document());
    type(writer, fast, 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> has(silent, 1));
    silent.holdAnswers();
    int before = silent.changesPerMessage().size();
    type(writer, fast, 2);
    type(writer, fast, 3);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> silent.changesPerMessage().subList(before, silent.changesPerMessage().size()).stream().mapToLong(n -> n).sum() == 2);
    silent.answerHeld();
    assertThat(has(silent, 3)).isTrue();
  }

  /** The writer sets n{i}; waits until the answering peer holds it. */
  private static void type(EventBusFrontend writer, EventBusPeer fast, int i) {
    Await.result(writer.change(tx -> tx.set(ObjectId.ROOT, "n" + i, i)));
    await().atMost(Duration.ofSeconds(10)).until(() -> has(fast, i));
  }

  private static boolean has(EventBusPeer peer, int i) {
    return peer.doc().get(ObjectId.ROOT, "n" + i).isPresent();
  }

  private static long withChanges(List<Long> counts) {
    return counts.stream().filter(n -> n > 0).count();
  }
}

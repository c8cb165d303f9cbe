package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.protocol.ErrorCode;
import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.EventBusPeer;
import dev.docsync.testing.TestService;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** A read-only peer receives every change; every change it sends is refused and never stored. */
class ReadOnlyPeerTest {

  @Test
  void readOnlyPeerReadsButCannotWrite() {
    try (TestService service = TestService.start();
         EventBusFrontend writer = new EventBusFrontend(service.vertx(), "ro-1", "w")) {
      writer.open();
      Await.result(writer.change(tx -> tx.set(ObjectId.ROOT, "from-writer", 1)));

      Document replica = new Document();
      try (Transaction tx = replica.startTransaction()) {
        tx.set(ObjectId.ROOT, "from-reader", 2);
        tx.commit();
      }
      EventBusPeer reader = new EventBusPeer("reader", "ro-1", replica, true);
      reader.connect(service.vertx());
      await().atMost(Duration.ofSeconds(10)).until(() -> reader.doc().keys(ObjectId.ROOT).orElseThrow().length == 2);
      await().atMost(Duration.ofSeconds(10)).until(() -> !reader.refusals().isEmpty());
      ReplyException refusal = (ReplyException) reader.refusals().get(0);
      assertThat(refusal.failureCode()).isEqualTo(ErrorCode.FORBIDDEN.code());

      Await.result(writer.change(tx -> tx.set(ObjectId.ROOT, "later", 3)));
      await().atMost(Duration.ofSeconds(10)).until(() -> reader.doc().get(ObjectId.ROOT, "later").isPresent());
      JsonObject stored = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "ro-1")));
      assertThat(stored.getJsonObject("view").fieldNames()).containsExactlyInAnyOrder("from-writer", "later");
      reader.close();
    }
  }
}

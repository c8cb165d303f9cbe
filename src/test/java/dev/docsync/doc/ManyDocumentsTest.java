package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Await;
import dev.docsync.testing.EventBusFrontend;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.automerge.ObjectId;
import org.junit.jupiter.api.Test;

/** 100 documents edited at once stay separate and correct, in memory and in storage. */
class ManyDocumentsTest {
  private static final int DOCS = 100;
  private static final int CHANGES = 20;

  @Test
  void hundredDocumentsEditedAtOnceStaySeparate() {
    try (TestService service = TestService.start()) {
      List<EventBusFrontend> frontends = new ArrayList<>();
      for (int d = 0; d < DOCS; d++) {
        EventBusFrontend frontend = new EventBusFrontend(service.vertx(), "many-" + d, "writer-" + d);
        frontend.open();
        frontends.add(frontend);
      }
      List<Future<JsonObject>> acks = new ArrayList<>();
      for (int i = 0; i < CHANGES; i++) {
        for (int d = 0; d < DOCS; d++) {
          int doc = d;
          int n = i;
          acks.add(frontends.get(d).change(tx -> tx.set(ObjectId.ROOT, "k" + n, "doc " + doc + " change " + n)));
        }
      }
      acks.forEach(Await::result);
      frontends.forEach(EventBusFrontend::close);

      service.restart(); // read back from PostgreSQL, not from memory
      for (int d = 0; d < DOCS; d++) {
        JsonObject view = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "many-" + d)))
            .getJsonObject("view");
        assertThat(view.size()).isEqualTo(CHANGES);
        for (int n = 0; n < CHANGES; n++) {
          assertThat(view.getString("k" + n)).isEqualTo("doc " + d + " change " + n);
        }
      }
    }
  }
}

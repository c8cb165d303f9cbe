package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.Base64s;
import dev.docsync.testing.Await;
import dev.docsync.testing.Changes;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Document shards on several event loops of one node share the store: their chunk appends, made at the same time,
 * are all committed and acknowledged (a group-commit writer shared between event loops lost some, and completed
 * others on another shard's thread).
 */
class ShardsTest {

  @Test
  void writesToManyDocumentsOverSeveralShardsAreAllAcknowledgedAndStored() {
    try (TestService service = TestService.start(new JsonObject().put("DOCSYNC_DOCUMENT_SHARDS", 4))) {
      List<Future<JsonObject>> acks = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        for (int doc = 0; doc < 200; doc++) {
          acks.add(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", "sharded-" + doc)
              .put("change", Base64s.encode(Changes.set("k" + round, "v" + round)))));
        }
      }
      acks.forEach(Await::result);
      for (int doc = 0; doc < 200; doc += 37) {
        JsonObject view = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "sharded-" + doc)))
            .getJsonObject("view");
        assertThat(view.fieldNames()).containsExactlyInAnyOrder("k0", "k1", "k2", "k3", "k4");
      }
    }
  }
}

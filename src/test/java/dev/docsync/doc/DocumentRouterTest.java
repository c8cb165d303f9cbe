package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.cluster.Placement;
import dev.docsync.protocol.Addresses;
import dev.docsync.testing.Await;
import dev.docsync.testing.StaticMembership;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing between nodes on one event bus, each node's inbox and shards played by a test consumer. */
class DocumentRouterTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  /**
   * A stopping node unregisters its inbox with requests still queued: Vert.x answers those "Discarded the request"
   * as a TIMEOUT, at once. Nothing was handled, so the request goes to the next node (seen in a rolling restart as a
   * REST write answered 503).
   */
  @Test
  void aRequestDiscardedByAStoppingNodeIsAnsweredByTheNext() {
    StaticMembership membership = new StaticMembership("a", List.of("a", "b"));
    DocumentRouter router = new DocumentRouter(vertx, membership, 1, 10_000, new SimpleMeterRegistry());
    String docId = IntStream.range(0, 1_000).mapToObj(i -> "routed-" + i)
        .filter(id -> Placement.owner(id, List.of("a", "b")).equals("b")).findFirst().orElseThrow();
    MessageConsumer<Object> stopping = vertx.eventBus().consumer(Addresses.nodeInbox("b"), m -> { });
    stopping.pause(); // its handler never runs: the request waits in the consumer's queue
    vertx.eventBus().<Object>consumer(Addresses.shard("a", 0), m -> m.reply(new JsonObject().put("node", "a")));
    Await.result(stopping.completion());

    var answer = router.<JsonObject>request(Addresses.FRONTEND, new JsonObject().put("type", "READ").put("docId", docId), null);
    vertx.setTimer(200, t -> stopping.unregister());

    Message<JsonObject> reply = Await.result(answer);
    assertThat(reply.body().getString("node")).isEqualTo("a");
  }
}

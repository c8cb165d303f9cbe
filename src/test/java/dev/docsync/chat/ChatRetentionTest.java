package dev.docsync.chat;

import dev.docsync.store.ChatMessage;
import dev.docsync.store.ChatStore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.DocId;
import dev.docsync.store.impl.PgChatStore;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DOCSYNC_CHAT_RETENTION_DAYS: messages older than the retention are deleted; younger ones stay. */
class ChatRetentionTest {

  @Test
  void messagesPastTheRetentionAreDeletedTheOthersStay() {
    try (TestService service = TestService.start()) {
      ChatStore store = Await.result(PgChatStore.connect(service.vertx(), service.pgUrl(), 1));
      Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(service.pgUrl())).using(service.vertx()).build();
      try {
        DocId doc = new DocId("retention-1");
        ChatMessage old = Await.result(store.append(doc, "ada", "from last year", null)).message();
        Await.result(store.append(doc, "bob", "from today", null));
        Await.result(sql.preparedQuery("UPDATE chat_messages SET sent_at = now() - interval '40 days' WHERE id = $1")
            .execute(Tuple.of(old.id())));

        assertThat(Await.result(store.purgeOlderThan(Duration.ofDays(30)))).isEqualTo(1);
        List<ChatMessage> left = Await.result(store.recent(doc, 10, null));
        assertThat(left).extracting(ChatMessage::text).containsExactly("from today");
      } finally {
        Await.result(sql.close());
        Await.result(store.close());
      }
    }
  }
}

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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A database made by an older version (chat retry keys unique per document) is migrated when the node
 * starts: the keys become per author, the stored messages stay, and the start after that changes nothing.
 */
class ChatRetryKeyMigrationTest {

  @Test
  void anOlderDatabaseGetsPerAuthorRetryKeysAtStart() {
    try (TestService service = TestService.start()) {
      // As an older version left it: a document-wide unique index, and a message keyed by it.
      sql(service, "DROP INDEX chat_messages_author_client");
      sql(service, "CREATE UNIQUE INDEX chat_messages_client ON chat_messages (doc_id, client_id) WHERE client_id IS NOT NULL");
      sql(service, "INSERT INTO chat_messages (doc_id, author, body, client_id) VALUES ('migrated-1', 'bob', 'from before', 'ada-18')");

      service.restart();
      service.restart(); // applying the schema again is harmless
      assertThat(sql(service, "SELECT indexname FROM pg_indexes WHERE tablename = 'chat_messages'"))
          .contains("chat_messages_author_client").doesNotContain("chat_messages_client");

      ChatStore store = Await.result(PgChatStore.connect(service.vertx(), service.pgUrl(), 1));
      try {
        DocId doc = new DocId("migrated-1");
        assertThat(Await.result(store.append(doc, "ada", "mine", "ada-18")).inserted()).isTrue();
        assertThat(Await.result(store.recent(doc, 10, null))).extracting(ChatMessage::text).containsExactly("from before", "mine");
      } finally {
        Await.result(store.close());
      }
    }
  }

  /** The first column of every row. */
  private static List<String> sql(TestService service, String statement) {
    Pool sql = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(service.pgUrl())).using(service.vertx()).build();
    try {
      List<String> values = new ArrayList<>();
      Await.result(sql.query(statement).execute()).forEach(row -> values.add(row.size() > 0 ? String.valueOf(row.getValue(0)) : null));
      return values;
    } finally {
      Await.result(sql.close());
    }
  }
}

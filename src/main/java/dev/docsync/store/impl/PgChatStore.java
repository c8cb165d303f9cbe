package dev.docsync.store.impl;

import dev.docsync.store.ChatMessage;
import dev.docsync.store.ChatStore;
import dev.docsync.protocol.DocId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@link ChatStore} on PostgreSQL (table chat_messages of sql/schema.sql, which
 * {@link PgDocumentStore#connect} applies). Its own small pool: chat must not queue behind document writes.
 */
public final class PgChatStore implements ChatStore {
  private final Pool pool;

  private PgChatStore(Pool pool) {
    this.pool = pool;
  }

  /** Connects once the schema exists. Call from the context that will use the store. */
  public static Future<ChatStore> connect(Vertx vertx, String url, int poolSize) {
    Pool pool = PgPools.create(vertx, url, poolSize);
    return pool.query(Sql.PING).execute().map(rows -> new PgChatStore(pool));
  }

  @Override
  public Future<Appended> append(DocId docId, String author, String text, String clientId) {
    return pool.preparedQuery(Sql.INSERT_CHAT_MESSAGE).execute(Tuple.of(docId.value(), author, text, clientId))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new Appended(message(docId, row), row.getBoolean(4));
        });
  }

  @Override
  public Future<List<ChatMessage>> recent(DocId docId, int limit, Long beforeId) {
    Tuple args = Tuple.of(docId.value(), beforeId == null ? Long.MAX_VALUE : beforeId, limit);
    return pool.preparedQuery(Sql.RECENT_CHAT_MESSAGES).execute(args).map(rows -> {
      List<ChatMessage> messages = new ArrayList<>(rows.size());
      rows.forEach(row -> messages.add(message(docId, row)));
      Collections.reverse(messages);
      return messages;
    });
  }

  @Override
  public Future<Integer> purgeOlderThan(Duration age) {
    return pool.preparedQuery(Sql.PURGE_CHAT_MESSAGES).execute(Tuple.of((double) age.toSeconds())).map(rows -> rows.rowCount());
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  private static ChatMessage message(DocId docId, Row row) {
    return new ChatMessage(row.getLong(0), docId.value(), row.getString(1), row.getString(2), row.getLong(3));
  }
}

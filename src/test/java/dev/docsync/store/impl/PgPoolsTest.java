package dev.docsync.store.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.testing.Await;
import dev.docsync.testing.TestDatabases;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The stores' pool on a real PostgreSQL: statements stay prepared on their connection, and the group commit and the
 * sync-state writes may rely on {@code executeBatch} being one implicit transaction (the extended protocol's
 * Bind/Execute pairs up to one Sync): a row that fails takes the others with it.
 */
class PgPoolsTest {
  private static final String INSERT = "INSERT INTO batch_rows VALUES ($1, $2)";
  private Vertx vertx;
  private Pool pool;

  @BeforeEach
  void connect() {
    vertx = Vertx.vertx();
    pool = PgPools.create(vertx, TestDatabases.freshDatabaseUrl(), 1);
    Await.result(pool.query("CREATE TABLE batch_rows (id int PRIMARY KEY, v text NOT NULL)").execute());
  }

  @AfterEach
  void close() {
    Await.result(vertx.close());
  }

  /** Uncached, each run of a query prepared it and closed it again first: a round trip and a transaction more. */
  @Test
  void aStatementIsPreparedOncePerConnectionAndKept() {
    for (int i = 1; i <= 3; i++) {
      Await.result(pool.preparedQuery(INSERT).executeBatch(List.of(Tuple.of(2 * i, "a"), Tuple.of(2 * i + 1, "b"))));
    }
    long kept = Await.result(pool.query("SELECT count(*) FROM pg_prepared_statements WHERE statement = '" + INSERT + "'")
        .execute()).iterator().next().getLong(0); // the pool's only connection
    assertThat(kept).isEqualTo(1);
  }

  @Test
  void aRowThatFailsTakesTheOthersWithIt() {
    Await.failure(pool.preparedQuery(INSERT)
        .executeBatch(List.of(Tuple.of(1, "a"), Tuple.tuple().addInteger(2).addString(null), Tuple.of(3, "c"))));
    long rows = Await.result(pool.query("SELECT count(*) FROM batch_rows").execute()).iterator().next().getLong(0);
    assertThat(rows).isZero();
  }
}

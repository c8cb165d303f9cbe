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
 * The group commit and the sync-state writes rely on {@code executeBatch} being one implicit transaction (the
 * extended protocol's Bind/Execute pairs up to one Sync): one commit for the batch, and a row that fails takes the
 * others with it. Checked on a real PostgreSQL, with the stores' pool (with uncached prepared statements the batch
 * cost two transactions: its statement was prepared in one of its own).
 */
class ExecuteBatchTransactionTest {
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

  @Test
  void aBatchCommitsOnce() {
    long before = commits();
    long idle = commits() - before; // what reading the counter itself commits
    Await.result(pool.preparedQuery(INSERT).executeBatch(List.of(Tuple.of(1, "a")))); // prepared once per connection
    long start = commits();
    Await.result(pool.preparedQuery(INSERT)
        .executeBatch(List.of(Tuple.of(2, "b"), Tuple.of(3, "c"), Tuple.of(4, "d"), Tuple.of(5, "e"))));
    long batch = commits() - start - idle;
    System.out.printf("[batch] transactions committed by a 4-row executeBatch: %d%n", batch);
    assertThat(batch).isEqualTo(1);
  }

  @Test
  void aRowThatFailsTakesTheOthersWithIt() {
    Await.failure(pool.preparedQuery(INSERT)
        .executeBatch(List.of(Tuple.of(1, "a"), Tuple.tuple().addInteger(2).addString(null), Tuple.of(3, "c"))));
    long rows = Await.result(pool.query("SELECT count(*) FROM batch_rows").execute()).iterator().next().getLong(0);
    assertThat(rows).isZero();
  }

  private long commits() {
    // A backend reports its counts once idle for a second (PostgreSQL 15+; earlier through the collector, as late).
    try {
      Thread.sleep(1_500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Await.result(pool.query("SELECT pg_stat_clear_snapshot()").execute());
    return Await.result(pool.query("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").execute())
        .iterator().next().getLong(0);
  }
}

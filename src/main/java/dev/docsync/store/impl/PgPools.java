package dev.docsync.store.impl;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** The stores' connection pools. */
final class PgPools {
  private PgPools() {}

  /**
   * Prepared statements are cached per connection: uncached, every query is parsed, planned and closed again, in a
   * round trip and a transaction of its own before it runs (PgPoolsTest).
   */
  static Pool create(Vertx vertx, String url, int size) {
    PgConnectOptions connect = PgConnectOptions.fromUri(url).setReconnectAttempts(0).setCachePreparedStatements(true);
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(size)).connectingTo(connect).using(vertx).build();
  }
}

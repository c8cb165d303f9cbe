package dev.docsync.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Blocks a test thread (never an event loop) on a Vert.x future. */
public final class Await {
  private Await() {}

  public static <T> T result(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  /** The failure of a future that must fail. */
  public static Throwable failure(Future<?> future) {
    try {
      future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
    throw new AssertionError("expected a failure, got success");
  }

  /**
   * Runs {@code start} (a connect and the handlers set on its result) on an event loop. Called from a test thread,
   * a connect can complete before its {@code map} is attached; a server that writes first (a refusal) then has its
   * frame read before the socket has a handler, and Vert.x drops it.
   */
  public static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> start) {
    Promise<T> done = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> start.get().onComplete(done));
    return done.future();
  }
}

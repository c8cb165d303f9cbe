package dev.docsync.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The simulated clients' runtime: one Vert.x with a few event loops; every client lives on one
 * event-loop context (its socket, its Automerge replica, its timers). Measures its own event-loop
 * lag (a periodic timer's lateness) and CPU, so a report can tell when the generator, not the
 * server, is what limits a run.
 */
final class LoadGenerator implements AutoCloseable {
  static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
  private static final long LAG_PERIOD_MS = 10;

  final Vertx vertx;
  private final List<Context> contexts = new ArrayList<>();
  private final Recorder lagMicros = new Recorder(3);
  private volatile Step step;
  private int next;

  LoadGenerator(int eventLoops) {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops)
        // Loading or receiving a 100k-change document holds a loop for seconds: that is measured, not a bug.
        .setMaxEventLoopExecuteTime(60).setMaxEventLoopExecuteTimeUnit(TimeUnit.SECONDS)
        .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    for (int i = 0; i < eventLoops; i++) {
      Context context = vertx.getOrCreateContext();
      contexts.add(context);
      context.runOnContext(v -> monitorLag(System.nanoTime()));
    }
  }

  private void monitorLag(long scheduledAt) {
    vertx.setTimer(LAG_PERIOD_MS, id -> {
      long now = System.nanoTime();
      lagMicros.recordValue(Math.max(0, (now - scheduledAt) / 1000 - LAG_PERIOD_MS * 1000));
      monitorLag(now);
    });
  }

  /** Round-robin over the event loops. */
  synchronized Context nextContext() {
    return contexts.get(next++ % contexts.size());
  }

  int eventLoops() {
    return contexts.size();
  }

  Step step() {
    return step;
  }

  void step(Step step) {
    this.step = step;
  }

  /** Event-loop lag since the last call, in microseconds. */
  Histogram lagSinceLastCall() {
    return lagMicros.getIntervalHistogram();
  }

  /** Every task queued on any loop before this call has run when it returns. */
  void barrier() {
    List<Future<Void>> all = new ArrayList<>();
    for (Context c : contexts) {
      Promise<Void> p = Promise.promise();
      c.runOnContext(v -> p.complete());
      all.add(p.future());
    }
    await(Future.all(all), 60_000);
  }

  /** Runs op for every client (on its own context), at most {@code parallel} at a time, and waits. */
  <T> int forAll(List<T> items, int parallel, long timeoutMs, Function<T, Future<?>> op) {
    int failed = 0;
    for (int from = 0; from < items.size(); from += parallel) {
      List<Future<?>> batch = new ArrayList<>();
      for (T item : items.subList(from, Math.min(items.size(), from + parallel))) {
        batch.add(op.apply(item));
      }
      try {
        await(Future.join(batch), timeoutMs);
      } catch (RuntimeException e) {
        // counted below
      }
      for (Future<?> f : batch) {
        if (!f.succeeded()) {
          failed++;
        }
      }
    }
    return failed;
  }

  static <T> T await(Future<T> future, long timeoutMs) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out after " + timeoutMs + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    await(vertx.close(), 60_000);
  }
}

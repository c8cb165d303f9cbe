package dev.docsync.cluster;

import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;

/**
 * Requests a node took from its addresses and passes on (to another node, or to its own documents) until they are
 * answered. A stopping node waits for them before it leaves the cluster: the clustered event bus drops a reply
 * addressed to a node that is gone, and its sender (a client member, another node) would only hear of it at its
 * timeout (30 s by default), never with an error it could retry on. Safe to use from any thread.
 */
public final class InFlight {
  private int pending;
  private Promise<Void> idle;

  /** As {@link Replies#pipe(Message, Future)}, counted until the answer is sent. */
  public <T> void pipe(Message<?> message, Future<Message<T>> answered) {
    pipe(message, answered, ErrorCode.OVERLOADED);
  }

  /** As {@link Replies#pipe(Message, Future, ErrorCode)}, counted until the answer is sent. */
  public <T> void pipe(Message<?> message, Future<Message<T>> answered, ErrorCode lost) {
    synchronized (this) {
      pending++;
    }
    Replies.pipe(message, answered, lost);
    answered.onComplete(ar -> done()); // after pipe's own listener: the answer is on its way
  }

  /** Completes once no request is pending (at once when none is). */
  public synchronized Future<Void> drained() {
    if (pending == 0) {
      return Future.succeededFuture();
    }
    if (idle == null) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  public synchronized int pending() {
    return pending;
  }

  private void done() {
    Promise<Void> completed = null;
    synchronized (this) {
      if (--pending == 0 && idle != null) {
        completed = idle;
        idle = null;
      }
    }
    if (completed != null) {
      completed.complete();
    }
  }
}

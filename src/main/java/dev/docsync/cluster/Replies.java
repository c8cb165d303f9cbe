package dev.docsync.cluster;

import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Passing a request on to the node that handles it, and its answer back to the sender. */
public final class Replies {
  private Replies() {}

  /** Answers {@code message} with what the handler answered; its failures keep their code, lost answers are OVERLOADED. */
  public static <T> void pipe(Message<?> message, Future<Message<T>> answered) {
    pipe(message, answered, ErrorCode.OVERLOADED);
  }

  /** As {@link #pipe(Message, Future)}, with {@code lost} the code of an answer that never came (no handler, timeout). */
  public static <T> void pipe(Message<?> message, Future<Message<T>> answered, ErrorCode lost) {
    answered.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result().body(), new DeliveryOptions().setHeaders(ar.result().headers()));
      } else if (ar.cause() instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        message.fail(reply.failureCode(), reply.getMessage());
      } else {
        message.fail(lost.code(), lost + ": the node handling it did not answer: " + ar.cause().getMessage());
      }
    });
  }

  /** The headers of {@code message}, to send it on as it came. */
  public static DeliveryOptions headersOf(Message<?> message) {
    return new DeliveryOptions().setHeaders(message.headers());
  }
}

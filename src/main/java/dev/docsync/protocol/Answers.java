package dev.docsync.protocol;

import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;

/** How every docsync service answers an event-bus request: the result, or the failure's stable code and text. */
public final class Answers {
  private Answers() {}

  /** Replies with what {@code answer} completes with, or fails with its {@link ErrorCode} (INTERNAL when untyped). */
  public static void answer(Message<?> message, Future<?> answer) {
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        refuse(message, ar.cause());
      }
    });
  }

  /** Fails the request with the code and text of {@code failure}. */
  public static void refuse(Message<?> message, Throwable failure) {
    DocsyncException e = DocsyncException.from(failure);
    message.fail(e.code().code(), e.wireMessage());
  }
}

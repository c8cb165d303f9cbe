package dev.docsync.chat;

import dev.docsync.store.ChatMessage;
import dev.docsync.store.ChatStore;
import dev.docsync.protocol.Addresses;
import dev.docsync.limits.LogThrottle;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chat per document: SEND stores a message and, once it is durable, publishes it on
 * {@link ChatAddresses#events}; HISTORY returns the latest ones. A late joiner subscribes first,
 * then asks HISTORY, and deduplicates on {@code id}.
 */
public final class ChatService {
  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);
  private static final LogThrottle LOG_LINES = new LogThrottle(20);
  private static final long RETENTION_SWEEP_MS = 3_600_000;

  private final Vertx vertx;
  private final ChatStore store;
  private final ChatRequestParser parser;
  private MessageConsumer<Object> consumer;
  private long retentionTimer = -1;

  private ChatService(Vertx vertx, ChatStore store, ChatSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.parser = new ChatRequestParser(settings);
  }

  public static Future<ChatService> start(Vertx vertx, ChatStore store, ChatSettings settings) {
    ChatService service = new ChatService(vertx, store, settings);
    if (settings.retentionDays() > 0) {
      Duration age = Duration.ofDays(settings.retentionDays());
      service.purge(age);
      service.retentionTimer = vertx.setPeriodic(RETENTION_SWEEP_MS, id -> service.purge(age));
    }
    service.consumer = vertx.eventBus().consumer(ChatAddresses.REQUESTS, service::onRequest);
    return service.consumer.completion().map(service);
  }

  private void purge(Duration age) {
    store.purgeOlderThan(age)
        .onSuccess(n -> LOG.debug("Chat retention: {} messages older than {} deleted", n, age))
        .onFailure(e -> LOG.warn("Chat retention sweep failed, next one in an hour: {}", e.getMessage()));
  }

  /** Stops taking requests; the store is the caller's to close. */
  public Future<Void> close() {
    if (retentionTimer >= 0) {
      vertx.cancelTimer(retentionTimer);
    }
    return consumer.unregister();
  }

  private void onRequest(Message<Object> message) {
    ChatRequest request;
    try {
      request = parser.parse(message.body());
    } catch (DocsyncException e) {
      rejected(e);
      message.fail(e.code().code(), e.wireMessage());
      return;
    }
    apply(request).onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(ar.result());
      } else {
        DocsyncException e = DocsyncException.from(ar.cause());
        message.fail(e.code().code(), e.wireMessage());
      }
    });
  }

  private Future<JsonObject> apply(ChatRequest request) {
    if (request instanceof ChatRequest.Send send) {
      return store.append(send.docId(), send.author(), send.text(), send.clientId())
          .recover(ChatService::storeFailed)
          .map(this::deliver);
    }
    ChatRequest.History history = (ChatRequest.History) request;
    return store.recent(history.docId(), history.limit(), history.beforeId())
        .recover(ChatService::storeFailed)
        .map(messages -> historyReply(history.docId().value(), messages));
  }

  /** Published only once durable, and only the first time (a retried clientId is acknowledged, not repeated). */
  private JsonObject deliver(ChatStore.Appended appended) {
    JsonObject message = appended.message().toJson();
    if (appended.inserted()) {
      vertx.eventBus().publish(ChatAddresses.events(appended.message().docId()), message.copy().put("event", "message"));
    }
    return message;
  }

  private static JsonObject historyReply(String docId, List<ChatMessage> messages) {
    JsonArray list = new JsonArray();
    messages.forEach(m -> list.add(m.toJson()));
    return new JsonObject().put("docId", docId).put("messages", list);
  }

  private static <T> Future<T> storeFailed(Throwable cause) {
    LOG.warn("Chat store failed: {}", cause.getMessage());
    return Future.failedFuture(new DocsyncException(ErrorCode.STORE_UNAVAILABLE, "chat store failed: " + cause.getMessage(), cause));
  }

  /** As the core does for its own input: counted by subscribers of docsync.events, with the same shape. */
  private void rejected(DocsyncException e) {
    String held = LOG_LINES.admit(e.code().name());
    if (held != null) {
      LOG.info("Rejected chat input: {}{}", e.wireMessage(), held);
    }
    vertx.eventBus().publish(Addresses.EVENTS, new JsonObject().put("event", "input.rejected")
        .put("code", e.code().name()).put("message", e.getMessage()));
  }
}

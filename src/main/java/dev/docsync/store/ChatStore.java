package dev.docsync.store;

import dev.docsync.protocol.DocId;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;

/** Durable chat history, beside the documents. Every returned Future completes once PostgreSQL has committed. */
public interface ChatStore {

  /** A message as stored, and whether this call stored it (false: a retry of a message with the same clientId). */
  record Appended(ChatMessage message, boolean inserted) {}

  /**
   * Stores a message; a repeated {@code clientId} (non-null) of the same author returns the message stored
   * the first time. Retry keys are per author: another author's message with that clientId is stored.
   */
  Future<Appended> append(DocId docId, String author, String text, String clientId);

  /** The latest {@code limit} messages with an id below {@code beforeId} (null: the latest), oldest first. */
  Future<List<ChatMessage>> recent(DocId docId, int limit, Long beforeId);

  /** Deletes the messages stored more than {@code age} ago, of every document; completes with how many. */
  Future<Integer> purgeOlderThan(Duration age);

  Future<Void> close();
}

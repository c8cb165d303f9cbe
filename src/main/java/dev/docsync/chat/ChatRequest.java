package dev.docsync.chat;

import dev.docsync.protocol.DocId;

/** A parsed, validated request on {@link ChatAddresses#REQUESTS}. */
sealed interface ChatRequest {
  DocId docId();

  /** A new message; {@code clientId} (optional) makes a retry after a timeout harmless. */
  record Send(DocId docId, String author, String text, String clientId) implements ChatRequest {}

  /** The latest {@code limit} messages before {@code beforeId} (null: the latest), oldest first. */
  record History(DocId docId, int limit, Long beforeId) implements ChatRequest {}
}

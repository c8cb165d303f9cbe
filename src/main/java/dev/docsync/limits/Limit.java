package dev.docsync.limits;

import dev.docsync.protocol.ErrorCode;

/**
 * The limits docsync enforces on connections from outside the JVM, each with the error code its
 * refusal carries and the {@code limit} tag of the {@code docsync.limits.exceeded} counter.
 */
public enum Limit {
  /** More messages a second than {@code DOCSYNC_LIMIT_MESSAGES_PER_SECOND} (burst {@code DOCSYNC_LIMIT_MESSAGE_BURST}): dropped. */
  MESSAGE_RATE("message_rate", ErrorCode.RATE_LIMITED),
  /** Dropped messages past {@code DOCSYNC_LIMIT_FLOOD_DROPS}: the connection is closed. */
  FLOOD("flood", ErrorCode.RATE_LIMITED),
  /** A new document past {@code DOCSYNC_LIMIT_DOCS_PER_CONNECTION}: refused, the others carry on. */
  DOCS_PER_CONNECTION("docs_per_connection", ErrorCode.LIMIT_EXCEEDED),
  /** A connection past {@code DOCSYNC_LIMIT_CONNECTIONS_PER_IP} from one address: refused. */
  CONNECTIONS_PER_IP("connections_per_ip", ErrorCode.LIMIT_EXCEEDED),
  /** A WebSocket past {@code DOCSYNC_LIMIT_PENDING_CONNECTIONS} not yet joined on the node: refused, retry later. */
  PENDING_CONNECTIONS("pending_connections", ErrorCode.OVERLOADED),
  /** No {@code join} within {@code DOCSYNC_LIMIT_JOIN_TIMEOUT_MS}: closed. */
  JOIN_TIMEOUT("join_timeout", ErrorCode.LIMIT_EXCEEDED),
  /** Messages before {@code join} past {@code DOCSYNC_LIMIT_PREJOIN_MESSAGES}: dropped unread. */
  PREJOIN_MESSAGES("prejoin_messages", ErrorCode.LIMIT_EXCEEDED),
  /** A message or frame over the size limits (DOCSYNC_WS_MAX_MESSAGE_BYTES, DOCSYNC_BRIDGE_TCP_MAX_FRAME_BYTES). */
  MESSAGE_SIZE("message_size", ErrorCode.TOO_LARGE),
  /** An ephemeral message to a client that is behind in reading (outbound queue past half its bound): dropped. */
  OUTBOUND_EPHEMERAL_DROPPED("outbound_ephemeral_dropped", ErrorCode.OVERLOADED),
  /** A sync message to a client that is behind: not queued; the document is synced afresh once the client has read. */
  OUTBOUND_SYNC_DEFERRED("outbound_sync_deferred", ErrorCode.OVERLOADED),
  /** A client holding past twice the outbound bound, or taking nothing for {@code DOCSYNC_WS_OUTBOUND_STALL_MS}: closed. */
  OUTBOUND_CLOSED("outbound_closed", ErrorCode.LIMIT_EXCEEDED),
  /** A fragmented message not finished in time, or past the per-address or node budget of unfinished bytes: closed. */
  UNFINISHED_MESSAGE("unfinished_message", ErrorCode.LIMIT_EXCEEDED),
  /** An HTTP connection past {@code DOCSYNC_LIMIT_HTTP_CONNECTIONS_PER_IP} from one address: closed at accept. */
  HTTP_CONNECTIONS_PER_IP("http_connections_per_ip", ErrorCode.LIMIT_EXCEEDED),
  /** No whole request head within {@code DOCSYNC_HTTP_REQUEST_HEAD_TIMEOUT_MS}: closed. */
  HTTP_REQUEST_HEAD_TIMEOUT("http_request_head_timeout", ErrorCode.LIMIT_EXCEEDED);

  private final String tag;
  private final ErrorCode code;

  Limit(String tag, ErrorCode code) {
    this.tag = tag;
    this.code = code;
  }

  /** Value of the {@code limit} tag. */
  public String tag() {
    return tag;
  }

  public ErrorCode code() {
    return code;
  }

  /** The text sent to the client: starts with the error code's name, as every docsync failure does. */
  public String message(String detail) {
    return code.name() + ": " + detail;
  }
}

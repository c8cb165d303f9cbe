package dev.docsync.protocol;

/**
 * Stable failure codes of the event-bus API. The number travels as the failure code of
 * {@code message.fail(code, text)}; the text always starts with the name, e.g. "INVALID_CHANGE: ...".
 * Numbers never change meaning once released.
 */
public enum ErrorCode {
  MALFORMED_MESSAGE(1, 400),
  UNKNOWN_TYPE(2, 400),
  INVALID_DOC_ID(3, 400),
  INVALID_CHANGE(4, 400),
  INVALID_SYNC_MESSAGE(5, 400),
  UNKNOWN_PEER(6, 409),
  MISSING_DEPENDENCIES(7, 409),
  TOO_LARGE(8, 413),
  DOC_UNAVAILABLE(9, 503),
  STORE_UNAVAILABLE(10, 503),
  OVERLOADED(11, 503),
  INTERNAL(12, 500),
  UNAUTHENTICATED(13, 401),
  FORBIDDEN(14, 403),
  RATE_LIMITED(15, 429),
  /** A per-connection or per-address quota is used up (documents per connection, connections per address, join). */
  LIMIT_EXCEEDED(16, 429),
  /**
   * This node does not (or no longer) own the document: another node holds its lease. Retryable; routers retry it
   * themselves and a client that still sees it (a takeover taking longer than the router waits) retries later.
   */
  NOT_OWNER(17, 503);

  private final int code;
  private final int httpStatus;

  ErrorCode(int code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  public int code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public static ErrorCode of(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return INTERNAL;
  }
}

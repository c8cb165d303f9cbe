package dev.docsync.protocol;

/** A failure with a stable {@link ErrorCode}, meant for the sender of the offending message. */
public class DocsyncException extends RuntimeException {
  private final ErrorCode code;

  public DocsyncException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public DocsyncException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** The failure text sent on the event bus: "CODE_NAME: detail". */
  public String wireMessage() {
    return code.name() + ": " + getMessage();
  }

  /** Maps any throwable to the typed form; unknown ones become INTERNAL. */
  public static DocsyncException from(Throwable t) {
    return t instanceof DocsyncException d ? d : new DocsyncException(ErrorCode.INTERNAL, String.valueOf(t.getMessage()), t);
  }
}

package dev.docsync.transport.ws;

/**
 * Why an incoming WebSocket message was refused: the one failure {@link WsCodec#decode} ever throws
 * (and {@link FrameAssembler} for frame-level faults), and whether the stream can still be trusted.
 */
public final class WsDecodeException extends Exception {

  /** Why a frame was refused. Kinds with a close code mean the stream cannot be trusted: the socket is closed with it. */
  public enum Kind {
    /** Not exactly one well-formed CBOR item (1003: unsupported data). */
    NOT_CBOR(1003),
    /** Well-formed CBOR, but not a map. */
    NOT_A_MAP(0),
    /** A map without a known {@code type}. */
    UNKNOWN_TYPE(0),
    /** A field is missing or has the wrong type or value. */
    BAD_FIELD(0),
    /** A text frame: the protocol is binary only. Its content is skipped. */
    TEXT_FRAME(0),
    /** A message over the configured size limit (1009: message too big). */
    TOO_LARGE(1009),
    /** A fragmented message past the budget of unfinished messages (per address or node): 1008, policy violation. */
    UNFINISHED(1008);

    private final short closeCode;

    Kind(int closeCode) {
      this.closeCode = (short) closeCode;
    }

    public boolean fatal() {
      return closeCode != 0;
    }

    /** WebSocket close status for fatal kinds. */
    public short closeCode() {
      return closeCode;
    }
  }

  private final Kind kind;

  public WsDecodeException(Kind kind, String message) {
    super(message, null, false, false); // no stack trace: these are routine and may be frequent
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}

package dev.docsync.client;

/**
 * Where a {@link DocsyncClient}'s connection stands. {@code reason} says why for OFFLINE and REFUSED
 * (the server's words when it gave any, e.g. {@code UNAUTHENTICATED: token expired}); null otherwise.
 */
public record ConnectionStatus(State state, String reason) {
  public enum State {
    /** Dialling the server (the first time, or again after OFFLINE). */
    CONNECTING,
    /** Joined: documents sync, changes go out as they are made. */
    ONLINE,
    /** Not connected; changes are kept (and stored, with a storage directory) and a reconnection is scheduled. */
    OFFLINE,
    /** The server refused the token (or the document grants): no more attempts until {@link DocsyncClient#reconnect()}. */
    REFUSED
  }

  static ConnectionStatus of(State state) {
    return new ConnectionStatus(state, null);
  }

  public boolean online() {
    return state == State.ONLINE;
  }

  @Override
  public String toString() {
    return state.name().toLowerCase(java.util.Locale.ROOT) + (reason == null ? "" : ": " + reason);
  }
}

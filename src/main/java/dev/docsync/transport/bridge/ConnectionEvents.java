package dev.docsync.transport.bridge;

import dev.docsync.protocol.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** {@code connection.opened} / {@code connection.closed} of bridge sockets, on {@code docsync.events}. */
final class ConnectionEvents {
  static final String SOCKJS = "sockjs";
  static final String TCP = "tcp";

  private final EventBus bus;

  ConnectionEvents(EventBus bus) {
    this.bus = bus;
  }

  void opened(String transport, String connectionId, Object remote) {
    bus.publish(Addresses.EVENTS, event("connection.opened", transport, connectionId, remote));
  }

  void closed(String transport, String connectionId, Object remote) {
    bus.publish(Addresses.EVENTS, event("connection.closed", transport, connectionId, remote));
  }

  private static JsonObject event(String name, String transport, String connectionId, Object remote) {
    return new JsonObject().put("event", name).put("transport", transport).put("connectionId", connectionId)
        .put("remote", String.valueOf(remote));
  }
}

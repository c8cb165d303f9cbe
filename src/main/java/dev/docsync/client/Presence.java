package dev.docsync.client;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who else is on a document, and what this client shows them: automerge-repo 2.5's {@code Presence} protocol
 * (ephemeral messages, snapshot / update / heartbeat / goodbye; heartbeats every 15 s, peers forgotten after
 * 45 s of silence), so it interoperates with automerge-repo apps and, through docsync, with event-bus presence.
 * The state's channels follow docs/event-bus.md: {@code user: {name, color}}, {@code cursor} (an Automerge
 * cursor string, see {@link DocHandle#cursorAt}), {@code selection}, {@code typing}.
 * Methods may be called from any thread; listeners run on the client's event loop.
 */
public final class Presence {
  static final long HEARTBEAT_MS = 15_000;
  static final long PEER_TTL_MS = 3 * HEARTBEAT_MS;
  /** automerge-repo answers a peer it does not know with its whole state after this delay. */
  private static final long ANNOUNCE_DELAY_MS = 500;

  private final DocsyncClient client;
  private final String docId;
  private final Map<String, Peer> peers = new ConcurrentHashMap<>();
  private final List<Consumer<Map<String, JsonObject>>> listeners = new CopyOnWriteArrayList<>();
  private volatile JsonObject local = new JsonObject();
  private volatile boolean running;
  private long heartbeatTimer = -1;
  private long pruneTimer = -1;
  private boolean announcing;

  private record Peer(JsonObject state, long lastSeen) {}

  Presence(DocsyncClient client, String docId) {
    this.client = client;
    this.docId = docId;
  }

  /** Starts taking part: announces {@code initialState} to the document's other peers and listens to theirs. */
  public Presence start(JsonObject initialState) {
    JsonObject state = initialState == null ? new JsonObject() : initialState.copy();
    client.onContext(() -> {
      local = state;
      if (!running) {
        running = true;
        pruneTimer = client.vertx().setPeriodic(HEARTBEAT_MS, id -> prune());
      }
      snapshot();
    });
    return this;
  }

  /** Sets one channel of this client's state (e.g. {@code cursor}) and tells the others. */
  public Presence set(String channel, Object value) {
    client.onContext(() -> {
      local = local.copy().put(channel, value);
      if (running) {
        send(new JsonObject().put("type", "update").put("channel", channel).put("value", value));
      }
    });
    return this;
  }

  /** Says goodbye: the others forget this client at once. */
  public void stop() {
    client.onContext(this::shutdown);
  }

  public JsonObject localState() {
    return local.copy();
  }

  /** The other peers' states by peerId. */
  public Map<String, JsonObject> peers() {
    Map<String, JsonObject> states = new LinkedHashMap<>();
    peers.forEach((id, peer) -> states.put(id, peer.state().copy()));
    return states;
  }

  /** Called with {@link #peers()} whenever a peer joins, changes, leaves or times out. */
  public Presence onChange(Consumer<Map<String, JsonObject>> listener) {
    listeners.add(listener);
    return this;
  }

  // ---- on the client's context ----

  void receive(String senderId, byte[] data) {
    JsonObject message = PresencePayload.decode(data);
    if (!running || message == null || senderId == null) {
      return;
    }
    if (!peers.containsKey(senderId)) {
      announceSoon();
    }
    long now = System.currentTimeMillis();
    Peer peer = peers.get(senderId);
    switch (message.getString("type", "")) {
      case "heartbeat" -> {
        if (peer != null) {
          peers.put(senderId, new Peer(peer.state(), now)); // unknown senders are ignored: they will send a snapshot
        }
      }
      case "goodbye" -> changed(peers.remove(senderId) != null);
      case "update" -> {
        JsonObject state = peer == null ? new JsonObject() : peer.state().copy();
        peers.put(senderId, new Peer(state.put(message.getString("channel", ""), message.getValue("value")), now));
        changed(true);
      }
      case "snapshot" -> {
        JsonObject state = message.getValue("state") instanceof JsonObject s ? s : new JsonObject();
        peers.put(senderId, new Peer(state, now));
        changed(true);
      }
      default -> { }
    }
  }

  /** After a reconnection: the others may have forgotten us. */
  void reannounce() {
    if (running) {
      snapshot();
    }
  }

  /** The connection is gone: peers seen through it are gone too (until it is back). */
  void forgetPeers() {
    changed(!peers.isEmpty() && peers.keySet().removeIf(id -> true));
  }

  void shutdown() {
    if (!running) {
      return;
    }
    send(new JsonObject().put("type", "goodbye"));
    running = false;
    cancel(heartbeatTimer);
    cancel(pruneTimer);
    heartbeatTimer = pruneTimer = -1;
  }

  private void snapshot() {
    send(new JsonObject().put("type", "snapshot").put("state", local.copy()));
  }

  private void announceSoon() {
    if (!announcing) {
      announcing = true;
      client.vertx().setTimer(ANNOUNCE_DELAY_MS, id -> {
        announcing = false;
        reannounce();
      });
    }
  }

  /** Every message restarts the heartbeat clock, as automerge-repo does. */
  private void send(JsonObject message) {
    client.sendEphemeral(docId, PresencePayload.encode(message));
    cancel(heartbeatTimer);
    heartbeatTimer = running ? client.vertx().setPeriodic(HEARTBEAT_MS, id -> send(new JsonObject().put("type", "heartbeat"))) : -1;
  }

  private void prune() {
    long threshold = System.currentTimeMillis() - PEER_TTL_MS;
    changed(peers.values().removeIf(peer -> peer.lastSeen() < threshold));
  }

  private void changed(boolean really) {
    if (really) {
      Map<String, JsonObject> states = peers();
      listeners.forEach(l -> l.accept(states));
    }
  }

  private void cancel(long timer) {
    if (timer >= 0) {
      client.vertx().cancelTimer(timer);
    }
  }
}

package dev.docsync.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A parsed, validated request addressed to the owner of one document. {@link RequestParser} reads one from its
 * JSON body; {@link #toJson()} writes that body, and {@link #api()} names where it is sent.
 */
public sealed interface DocRequest {
  DocId docId();

  /** The API address of this request: {@link Addresses#FRONTEND} or {@link Addresses#PEER}. */
  String api();

  /** The event-bus body that {@link RequestParser} reads back into this request. */
  JsonObject toJson();

  private static JsonObject body(String type, DocId docId) {
    return new JsonObject().put("type", type).put("docId", docId.value());
  }

  /**
   * Frontend: load or create the document and receive its state. {@code subscribe} (OPEN) keeps the
   * document loaded and its change events enriched with views until CLOSE; READ does not.
   */
  record Open(DocId docId, boolean withView, boolean subscribe) implements DocRequest {
    @Override
    public String api() {
      return Addresses.FRONTEND;
    }

    @Override
    public JsonObject toJson() {
      return body(subscribe ? "OPEN" : "READ", docId).put("view", withView);
    }
  }

  /** Frontend: Automerge change bytes made locally; acknowledged once durable. */
  record LocalChange(DocId docId, byte[] change, String origin) implements DocRequest {
    @Override
    public String api() {
      return Addresses.FRONTEND;
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = body("LOCAL_CHANGE", docId).put("change", Base64s.encode(change));
      return origin == null ? json : json.put("origin", origin);
    }
  }

  /** Frontend: no longer interested in change events of this document. */
  record Close(DocId docId) implements DocRequest {
    @Override
    public String api() {
      return Addresses.FRONTEND;
    }

    @Override
    public JsonObject toJson() {
      return body("CLOSE", docId);
    }
  }

  /**
   * Peer: starts (or resumes) a sync conversation. {@code storageKey} names the persisted sync
   * state; null means an ephemeral peer whose sync state is never stored. A {@code readOnly} peer
   * receives every change, and every change it sends is refused. {@code message}, if not null, is the
   * peer's first sync message: received in the same step, so one answer goes back instead of two
   * crossing rounds (which would each carry the whole history to an empty peer).
   */
  record Hello(DocId docId, String peerId, String storageKey, String address, boolean readOnly, byte[] message)
      implements DocRequest {
    @Override
    public String api() {
      return Addresses.PEER;
    }

    @Override
    public JsonObject toJson() {
      JsonObject json = body("HELLO", docId).put("peerId", peerId).put("address", address).put("readOnly", readOnly);
      if (message != null) {
        json.put("message", Base64s.encode(message));
      }
      return storageKey == null ? json.put("ephemeral", true) : json.put("storageId", storageKey);
    }
  }

  /** Peer: one Automerge sync message. */
  record Sync(DocId docId, String peerId, byte[] message) implements DocRequest {
    @Override
    public String api() {
      return Addresses.PEER;
    }

    @Override
    public JsonObject toJson() {
      return body("SYNC", docId).put("peerId", peerId).put("message", Base64s.encode(message));
    }
  }

  /** Peer: ends the conversation; its sync state is stored before the reply. */
  record Bye(DocId docId, String peerId) implements DocRequest {
    @Override
    public String api() {
      return Addresses.PEER;
    }

    @Override
    public JsonObject toJson() {
      return body("BYE", docId).put("peerId", peerId);
    }
  }
}

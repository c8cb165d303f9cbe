package dev.docsync.transport.ws;

import java.util.List;

/**
 * The automerge-repo network messages (protocol v1) as typed records. {@link WsCodec} turns CBOR
 * frames into these and back. Optional fields are null when absent.
 */
public sealed interface WsMessage {
  String senderId();

  /** Client to server, first message: who I am and which protocol versions I speak (null: only "1"). */
  record Join(String senderId, PeerMetadata peerMetadata, List<String> supportedProtocolVersions) implements WsMessage {}

  /** Server to client: the handshake answer. */
  record Peer(String senderId, String targetId, PeerMetadata peerMetadata, String selectedProtocolVersion) implements WsMessage {}

  /** Either way; the receiver only logs it. */
  record Error(String senderId, String targetId, String message) implements WsMessage {}

  /** "I don't have this document, do you?": a sync message from an empty document. */
  record Request(String senderId, String targetId, String documentId, byte[] data) implements WsMessage {}

  /** One Automerge sync-protocol message. */
  record Sync(String senderId, String targetId, String documentId, byte[] data) implements WsMessage {}

  /** Answer to a request: neither I nor my peers have the document. */
  record DocUnavailable(String senderId, String targetId, String documentId) implements WsMessage {}

  /** Opaque application payload (presence, cursors) for the other peers of a document; never stored. */
  record Ephemeral(String senderId, String targetId, String documentId, byte[] data, long count, String sessionId)
      implements WsMessage {}

  /** Remote-heads gossip control; docsync accepts and ignores it (gossip is off by default in automerge-repo). */
  record RemoteSubscriptionChange(String senderId, String targetId, List<String> add, List<String> remove)
      implements WsMessage {}

  /** Remote-heads gossip; accepted and ignored, so its heads map is not kept. */
  record RemoteHeadsChanged(String senderId, String targetId, String documentId) implements WsMessage {}

  /** {@code peerMetadata} of join and peer messages. */
  record PeerMetadata(String storageId, Boolean isEphemeral) {
    /** A client whose sync state may be stored: it has storage and is not ephemeral. */
    public boolean durable() {
      return storageId != null && !Boolean.TRUE.equals(isEphemeral);
    }
  }
}

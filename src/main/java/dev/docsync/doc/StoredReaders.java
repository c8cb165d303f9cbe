package dev.docsync.doc;

import dev.docsync.limits.SyncMessageCheck;
import dev.docsync.protocol.Base64s;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.store.StoredChunk;
import dev.docsync.store.SyncStateRecord;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Peers of a document served from storage, not loaded: each was sent the stored document whole (see
 * WholeDocumentMessage) and has said nothing since but that it holds it. Until a request needs the Automerge
 * document (a change, a view, anything else a peer says), it is not loaded: a reader of a large document costs
 * the node its stored bytes, not the document's native memory. Confined to the owner's event loop.
 */
final class StoredReaders {
  private final List<StoredChunk> chunks;
  private final WholeDocumentMessage whole;
  private final byte[][] heads;
  private final String encodedMessage;
  private final JsonArray headsJson;
  private final Map<String, DocRequest.Hello> peers = new LinkedHashMap<>();
  /** Each peer's last acknowledgement: replayed when the document loads, the core then knows what it has. */
  private final Map<String, DocRequest.Sync> acknowledgements = new HashMap<>();

  /** Built off the event loop: the message is encoded once, for every reader. */
  StoredReaders(List<StoredChunk> chunks, WholeDocumentMessage whole) {
    this.chunks = chunks;
    this.whole = whole;
    this.heads = whole.heads().toArray(byte[][]::new);
    this.encodedMessage = Base64s.encode(whole.message());
    this.headsJson = Heads.toJson(whole.heads());
  }

  /** A first message that asks for the whole document (see SyncMessageCheck.fromEmptyPeerTakingDocuments). */
  static boolean wantsWholeDocument(DocRequest request) {
    return request instanceof DocRequest.Hello hello && hello.message() != null
        && SyncMessageCheck.fromEmptyPeerTakingDocuments(hello.message());
  }

  WholeDocumentMessage whole() {
    return whole;
  }

  /** The whole-document message, base64, as event-bus bodies carry sync messages. */
  String encodedMessage() {
    return encodedMessage;
  }

  List<StoredChunk> chunks() {
    return chunks;
  }

  /** Greeted as it will be once the document loads: without its first message, sharing the stored heads. */
  void add(DocRequest.Hello hello) {
    peers.put(hello.peerId(), new DocRequest.Hello(hello.docId(), hello.peerId(), hello.storageKey(), hello.address(),
        hello.readOnly(), null));
  }

  boolean remove(String peerId) {
    acknowledgements.remove(peerId);
    return peers.remove(peerId) != null;
  }

  /**
   * Whether the message is a known peer's acknowledgement of the stored heads: no change, no need, exactly those
   * heads. The core, had it loaded the document, would answer it with at most a message saying the same heads.
   */
  boolean acknowledges(DocRequest.Sync sync) {
    if (!peers.containsKey(sync.peerId())) {
      return false;
    }
    byte[][] stated = SyncMessageCheck.headsIfBare(sync.message(), true);
    boolean acknowledges = stated != null && stated.length == heads.length
        && Arrays.stream(stated).allMatch(s -> Arrays.stream(heads).anyMatch(h -> Arrays.equals(h, s)));
    if (acknowledges) {
      acknowledgements.put(sync.peerId(), sync);
    }
    return acknowledges;
  }

  /**
   * What the loading document must take first, in order: each peer's greeting (without its first message, with
   * the sync state {@link WholeDocumentMessage#syncState()}), then its last acknowledgement, so that the core
   * sends it the next changes at once rather than first asking what it has.
   */
  List<DocRequest> greetings() {
    List<DocRequest> greetings = new ArrayList<>();
    for (DocRequest.Hello hello : peers.values()) {
      greetings.add(hello);
      DocRequest.Sync acknowledgement = acknowledgements.get(hello.peerId());
      if (acknowledgement != null) {
        greetings.add(acknowledgement);
      }
    }
    return greetings;
  }

  /** The stored heads, as replies state them. */
  JsonArray headsJson() {
    return headsJson.copy();
  }

  Collection<DocRequest.Hello> peers() {
    return peers.values();
  }

  /** What a persistent peer's stored sync state must say if the document unloads before it loads. */
  List<SyncStateRecord> syncStates(DocId docId) {
    return peers.values().stream().filter(h -> h.storageKey() != null)
        .map(h -> new SyncStateRecord(docId, h.storageKey(), whole.syncState())).toList();
  }

  /** Heap held: the stored chunks, the message built from them (about as long) and its base64 (4/3 of it). */
  long bytes() {
    return NativeMemory.BASE_BYTES + whole.message().length * 10L / 3;
  }
}

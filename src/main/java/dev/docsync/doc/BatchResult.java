package dev.docsync.doc;

import dev.docsync.protocol.DocsyncException;
import dev.docsync.store.SyncStateRecord;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.automerge.ChangeHash;

/**
 * What one serial step over a document produced. Nothing in it reaches anyone until the
 * changes it holds are durable: replies, sync messages and change events are all held until then.
 */
final class BatchResult {
  record Reply(Pending pending, JsonObject body, DocsyncException error) {}

  record Outgoing(String address, String peerId, byte[] message) {}

  final List<Reply> replies = new ArrayList<>();
  final List<Outgoing> outgoing = new ArrayList<>();
  final List<SyncStateRecord> syncStates = new ArrayList<>();
  /** Encoded changes not yet stored, or null when the batch changed nothing. */
  byte[] chunk;
  ChangeHash[] heads;
  /** Published to frontends once stored, or null. */
  JsonObject changeEvent;
  /** Some persistent peer's sync state changed and is not stored yet. */
  boolean syncStatesDirty;
  /** Bytes of the sync messages received in the batch. */
  long syncBytesIn;
  /** Some peer's messages were held back by pacing: run a step again in this many ns (0: none held). */
  long paceAgainNanos;
  /** The document is busy: its messages to each peer are spaced out (see BusyDocument). */
  boolean coalescing;
  /** Peers whose message was held back while the document was busy. */
  int heldWhileBusy;
  /** Peers syncing the document after the batch. */
  int peers;
  /** The document's estimated native memory after the batch. */
  long estimatedBytes;

  void ok(Pending pending, JsonObject body) {
    replies.add(new Reply(pending, body, null));
  }

  void fail(Pending pending, DocsyncException error) {
    replies.add(new Reply(pending, null, error));
  }
}

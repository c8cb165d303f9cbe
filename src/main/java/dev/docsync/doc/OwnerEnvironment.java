package dev.docsync.doc;

import dev.docsync.protocol.DocRequest;
import dev.docsync.store.DocumentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.Callable;

/** What a document owner needs from the node it lives on. */
interface OwnerEnvironment {
  Vertx vertx();

  DocumentStore store();

  OwnerSettings settings();

  ServerEvents events();

  /** Runs Automerge work on the worker pool, off the event loop. */
  <T> Future<T> blocking(Callable<T> work);

  /** The owner is gone; {@code parked} says who to greet again when the document is next loaded. */
  void unregister(DocumentOwner owner, Parked parked);

  /** The estimated native memory of a document changed by this much. */
  void memoryChanged(long deltaBytes);

  /** The number of peers syncing a document changed by this much. */
  void peersChanged(int delta);

  /** This node's id: the owner named in the leases it takes. */
  String nodeId();

  /** The live nodes that own documents: a lease held by any other node may be taken over. */
  java.util.List<String> documentOwners();

  /** How long a lease lasts without renewal. */
  long leaseMs();

  /** True when this node is leaving: documents it unloads are handed over, not parked here. */
  boolean handingOver();

  /** Hands a request to whoever owns its document now. */
  Future<JsonObject> resubmit(DocRequest request);
}

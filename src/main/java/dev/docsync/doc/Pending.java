package dev.docsync.doc;

import dev.docsync.protocol.DocRequest;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/** A request waiting in a document's inbox, the promise of its reply, and when it arrived. */
record Pending(DocRequest request, Promise<JsonObject> reply, long receivedNanos) {
  Pending(DocRequest request, Promise<JsonObject> reply) {
    this(request, reply, System.nanoTime());
  }
}

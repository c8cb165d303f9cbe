package dev.docsync.doc;

import dev.docsync.protocol.Addresses;
import dev.docsync.limits.LogThrottle;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocsyncException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to documents: published on {@link Addresses#EVENTS} for dashboards and tests, and counted
 * in the metrics registry. Every rejected input is logged and counted by its error code.
 */
public final class ServerEvents {
  private static final Logger LOG = LoggerFactory.getLogger(ServerEvents.class);
  /** A client controls how often its input is rejected, so it must not control the log volume. */
  private static final LogThrottle LOG_LINES = new LogThrottle(20);

  private final EventBus eventBus;
  private final String nodeId;
  private final MeterRegistry registry;
  private final Counter chunksStored;
  private final Counter bytesStored;
  private final Counter compactions;
  private final Counter handoffs;
  private final Counter leasesLost;
  private final Counter syncBytesIn;
  private final Counter syncBytesOut;
  private final Counter syncMessagesOut;
  private final Counter heldWhileBusy;
  private final Counter wholeDocuments;
  private final Timer requestLatency;
  private final Timer storeLatency;

  public ServerEvents(EventBus eventBus, MeterRegistry registry, String nodeId) {
    this.eventBus = eventBus;
    this.nodeId = nodeId;
    this.registry = registry;
    chunksStored = registry.counter("docsync.changes.stored", "unit", "chunks");
    bytesStored = registry.counter("docsync.changes.stored.bytes");
    compactions = registry.counter("docsync.compactions");
    handoffs = Counter.builder("docsync.documents.handoffs")
        .description("documents this node unloaded for another node to take (it was stopping)").register(registry);
    leasesLost = Counter.builder("docsync.leases.lost")
        .description("documents another node took over from this one (paused, cut off, or believed dead)").register(registry);
    syncBytesIn = registry.counter("docsync.sync.bytes", "direction", "in");
    syncBytesOut = registry.counter("docsync.sync.bytes", "direction", "out");
    syncMessagesOut = Counter.builder("docsync.sync.messages").tag("direction", "out")
        .description("sync messages documents sent to their peers").register(registry);
    heldWhileBusy = Counter.builder("docsync.sync.coalesced")
        .description("times a busy document held a peer's next message back, to send it with later changes")
        .register(registry);
    wholeDocuments = Counter.builder("docsync.sync.whole.documents")
        .description("new, empty peers sent the stored document whole while it loaded").register(registry);
    requestLatency = latency("docsync.request.latency", "from a request's arrival to its reply, after storage");
    storeLatency = latency("docsync.store.latency", "one chunk append, group commit included");
  }

  private Timer latency(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Names the node: peers greeted by another owner of the document greet this one (see transport.ws.SyncEndpoint). */
  public void documentLoaded(DocId docId) {
    publish(event("document.loaded", docId).put("node", nodeId));
  }

  public void handedOver(DocId docId) {
    handoffs.increment();
  }

  public void leaseLost(DocId docId) {
    leasesLost.increment();
  }

  public void documentUnloaded(DocId docId) {
    publish(event("document.unloaded", docId));
  }

  public void documentDeleted(DocId docId, long rows) {
    registry.counter("docsync.documents.deleted").increment();
    publish(event("document.deleted", docId).put("rows", rows));
  }

  public void changeStored(DocId docId, int bytes, long storeNanos) {
    chunksStored.increment();
    bytesStored.increment(bytes);
    storeLatency.record(Duration.ofNanos(storeNanos));
    publish(event("change.applied", docId).put("bytes", bytes));
  }

  public void syncStatesSaved(DocId docId, int count) {
    publish(event("syncstate.saved", docId).put("count", count));
  }

  public void compacted(DocId docId, int foldedChunks, int snapshotBytes) {
    compactions.increment();
    publish(event("document.compacted", docId).put("foldedChunks", foldedChunks).put("snapshotBytes", snapshotBytes));
  }

  public void syncTraffic(long bytesIn, long bytesOut, int messagesOut, int held) {
    syncBytesIn.increment(bytesIn);
    syncBytesOut.increment(bytesOut);
    syncMessagesOut.increment(messagesOut);
    heldWhileBusy.increment(held);
  }

  /** A new, empty peer was sent the stored document whole (see DocumentOwner); its first message was not received. */
  public void wholeDocumentSent(int bytesIn, int bytesOut) {
    wholeDocuments.increment();
    syncTraffic(bytesIn, bytesOut, 1, 0);
  }

  public void replied(long receivedNanos) {
    requestLatency.record(Duration.ofNanos(System.nanoTime() - receivedNanos));
  }

  public void rejected(DocId docId, DocsyncException error) {
    registry.counter("docsync.rejected.inputs", "reason", error.code().name()).increment();
    String held = LOG_LINES.admit(error.code().name());
    if (held != null) {
      LOG.info("Rejected input for {}: {}{}", docId, error.wireMessage(), held);
    }
    JsonObject event = new JsonObject().put("event", "input.rejected").put("code", error.code().name())
        .put("message", error.getMessage());
    if (docId != null) {
      event.put("docId", docId.value());
    }
    publish(event);
  }

  private static JsonObject event(String name, DocId docId) {
    return new JsonObject().put("event", name).put("docId", docId.value());
  }

  private void publish(JsonObject event) {
    eventBus.publish(Addresses.EVENTS, event);
  }
}

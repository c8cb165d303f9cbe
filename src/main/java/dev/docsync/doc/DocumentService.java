package dev.docsync.doc;

import dev.docsync.cluster.Membership;
import dev.docsync.cluster.Replies;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.DocumentStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A node's documents: {@code shards} worker verticles (each on its own event loop, so a node uses all its cores),
 * the router in front of them, and the API addresses: {@link Addresses#FRONTEND} and {@link Addresses#PEER} for
 * senders anywhere in the cluster, {@link Addresses#ADMIN}, and this node's inbox for other nodes' routers.
 */
public final class DocumentService {
  private final Vertx vertx;
  private final DocumentRouter router;
  private final Membership membership;
  private final DocumentStore store;
  private final List<DocumentWorkerVerticle> shards = new ArrayList<>();
  private final List<String> deployments = new ArrayList<>();
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();

  private DocumentService(Vertx vertx, DocumentStore store, DocumentRouter router, Membership membership) {
    this.vertx = vertx;
    this.store = store;
    this.router = router;
    this.membership = membership;
  }

  /** Deploys the shards, then opens the addresses. Call from the context that will own the addresses. */
  public static Future<DocumentService> start(Vertx vertx, DocumentStore store, Ownership ownership, OwnerSettings settings,
                                              int automergeThreads, int maxPayloadBytes, Membership membership,
                                              MeterRegistry registry) {
    DocumentRouter router = new DocumentRouter(vertx, membership, ownership.shards(), ownership.routeRetryMs(), registry);
    DocumentService service = new DocumentService(vertx, store, router, membership);
    OwnerSettings perShard = settings.shareOf(ownership.shards());
    Future<Void> deployed = Future.succeededFuture();
    for (int i = 0; i < ownership.shards(); i++) {
      DocumentWorkerVerticle shard = new DocumentWorkerVerticle(store, perShard, automergeThreads, maxPayloadBytes, registry,
          membership, i, ownership.leaseMs());
      service.shards.add(shard);
      deployed = deployed.compose(v -> vertx.deployVerticle(shard).map(id -> {
        service.deployments.add(id);
        return null;
      }));
    }
    return deployed.compose(v -> service.listen(registry)).map(service).recover(e -> service.stop().transform(x -> Future.failedFuture(e)));
  }

  private Future<Void> listen(MeterRegistry registry) {
    Gauge.builder("docsync.documents.loaded", this, DocumentService::loadedDocuments).register(registry);
    // Every loaded document is owned: it loads only under its lease.
    Gauge.builder("docsync.documents.owned", this, DocumentService::loadedDocuments)
        .description("documents whose lease this node holds").register(registry);
    Gauge.builder("docsync.documents.native.bytes", this, DocumentService::loadedBytes)
        .description("estimated native (Automerge) memory of the loaded documents").register(registry);
    Gauge.builder("docsync.peers", this, DocumentService::peers)
        .description("peer sessions (document, peer) in the loaded documents").register(registry);
    consumers.add(vertx.eventBus().consumer(Addresses.FRONTEND, m -> Replies.pipe(m, router.request(Addresses.FRONTEND, m.body(), Replies.headersOf(m)))));
    consumers.add(vertx.eventBus().consumer(Addresses.PEER, m -> Replies.pipe(m, router.request(Addresses.PEER, m.body(), Replies.headersOf(m)))));
    consumers.add(vertx.eventBus().consumer(Addresses.ADMIN, m -> DocumentAdmin.handleOnNode(this, m)));
    // A shard that is gone (this node is stopping) makes the sender's router try the next node.
    consumers.add(vertx.eventBus().consumer(Addresses.nodeInbox(membership.nodeId()), m -> Replies.pipe(m,
        router.toLocalShard(m.headers().get(DocumentRouter.API_HEADER), m.body(), Replies.headersOf(m)), ErrorCode.NOT_OWNER)));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  /** Drains every shard (see {@link DocumentWorkerVerticle#stop()}), then closes the addresses. */
  public Future<Void> stop() {
    return Future.join(deployments.stream().map(vertx::undeploy).toList())
        .transform(v -> Future.join(consumers.stream().map(MessageConsumer::unregister).toList()))
        .mapEmpty();
  }

  /** The router every transport of this node sends its document requests through. */
  public DocumentRouter router() {
    return router;
  }

  List<DocumentWorkerVerticle> shards() {
    return shards;
  }

  DocumentStore store() {
    return store;
  }

  Vertx vertx() {
    return vertx;
  }

  Membership membership() {
    return membership;
  }

  /** Documents in memory on this node. */
  public int loadedDocuments() {
    return (int) sum(DocumentWorkerVerticle::loadedDocuments);
  }

  /** Estimated native memory of this node's loaded documents. */
  public long loadedBytes() {
    return sum(DocumentWorkerVerticle::loadedBytes);
  }

  /** Peer sessions (document, peer) of this node's loaded documents. */
  public int peers() {
    return (int) sum(DocumentWorkerVerticle::peers);
  }

  private long sum(ToLongFunction<DocumentWorkerVerticle> metric) {
    return shards.stream().mapToLong(metric).sum();
  }
}

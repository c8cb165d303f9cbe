package dev.docsync.doc;

import dev.docsync.cluster.Membership;
import dev.docsync.cluster.Placement;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.DocId;
import dev.docsync.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Between an API address ({@link Addresses#FRONTEND}, {@link Addresses#PEER}, {@link Addresses#ADMIN}) and the one
 * owner of a document. The node is the lease holder last heard of, else the live document owner that rendezvous
 * hashing of the docId picks: a hint, since the PostgreSQL lease decides; on that node, the shard is a hash of the
 * docId. A NOT_OWNER answer naming the holder is followed at once; one without a holder, and a node that left, are
 * retried with back-off until {@code retryMs} has passed, then the last failure is the answer.
 * Safe to call from any thread.
 */
public final class DocumentRouter {
  /** How a NOT_OWNER answer names the node holding the lease: {@code holder=<nodeId>} at the end of its text. */
  public static final String HOLDER_PREFIX = "holder=";
  /** Header of routed requests saying which API address they were sent to. */
  public static final String API_HEADER = "docsync-api";
  private static final int MAX_HOLDERS = 10_000;
  private static final int MAX_FOLLOWS = 4;
  private static final long MAX_BACKOFF_MS = 500;
  /** Vert.x 5's text for a request its consumer dropped unhandled (HandlerRegistration#discardMessage). */
  private static final String DISCARDED = "Discarded the request";

  private final Vertx vertx;
  private final Membership membership;
  private final int shards;
  private final long retryMs;
  /** docId → the node that answered it holds the lease (learned from NOT_OWNER answers). */
  private final Map<String, String> holders = new ConcurrentHashMap<>();
  private final Counter forwarded;
  private final Counter retries;
  /** Per node, how to abandon each request waiting for its answer: run when the node leaves the cluster. */
  private final Map<String, Set<Runnable>> waiting = new ConcurrentHashMap<>();

  public DocumentRouter(Vertx vertx, Membership membership, int shards, long retryMs, MeterRegistry registry) {
    this.vertx = vertx;
    this.membership = membership;
    this.shards = shards;
    this.retryMs = retryMs;
    this.forwarded = Counter.builder("docsync.route.forwarded")
        .description("requests sent to a document owner on another node").register(registry);
    this.retries = Counter.builder("docsync.route.retries")
        .description("requests retried because the node asked was not (or no longer) the owner").register(registry);
    membership.onChange(this::membersChanged);
  }

  /** A node that left will not answer (killed, paused, cut off): its requests go elsewhere now, not at their timeout. */
  private void membersChanged() {
    List<String> owners = membership.documentOwners();
    for (String node : List.copyOf(waiting.keySet())) {
      if (!owners.contains(node)) {
        Set<Runnable> abandoned = waiting.remove(node);
        if (abandoned != null) {
          abandoned.forEach(Runnable::run);
        }
      }
    }
  }

  /** Sends a request for {@code api} to the owner of the document it names, and its answer back. */
  public <T> Future<Message<T>> request(String api, Object body, DeliveryOptions options) {
    String docId = docIdOf(body);
    Promise<Message<T>> answer = Promise.promise();
    attempt(api, body, options == null ? new DeliveryOptions() : options, docId,
        new Route(System.currentTimeMillis() + retryMs, new HashSet<>()), 0, answer);
    return answer.future();
  }

  /** Requests routed here from other nodes go to the shard of their document on this node. */
  <T> Future<Message<T>> toLocalShard(String api, Object body, DeliveryOptions options) {
    return vertx.eventBus().request(Addresses.shard(membership.nodeId(), shardOf(docIdOf(body))), body,
        new DeliveryOptions(options).addHeader(API_HEADER, api));
  }

  /** One request's retries: until when, and the nodes that did not answer (leaving, gone) to place it elsewhere. */
  private record Route(long deadline, Set<String> silent) {}

  private <T> void attempt(String api, Object body, DeliveryOptions options, String docId, Route route, int tries,
                           Promise<Message<T>> answer) {
    String node = docId == null ? membership.nodeId() : nodeFor(docId, route.silent());
    boolean local = node.equals(membership.nodeId());
    String address = local ? Addresses.shard(node, shardOf(docId)) : Addresses.nodeInbox(node);
    if (!local) {
      forwarded.increment();
    }
    DeliveryOptions routed = new DeliveryOptions(options).addHeader(API_HEADER, api);
    Promise<Message<T>> hop = Promise.promise();
    Runnable abandon = () -> hop.tryFail(new ReplyException(ReplyFailure.NO_HANDLERS, "node " + node + " left the cluster"));
    if (!local) {
      waiting.computeIfAbsent(node, k -> ConcurrentHashMap.newKeySet()).add(abandon);
    }
    vertx.eventBus().<T>request(address, body, routed).onComplete(hop::tryComplete, hop::tryFail);
    hop.future().onComplete(ar -> {
      if (!local) {
        Set<Runnable> pending = waiting.get(node);
        if (pending != null) {
          pending.remove(abandon);
        }
      }
      if (ar.succeeded()) {
        answer.complete(ar.result());
        return;
      }
      long delay = retryDelay(ar.cause(), docId, node, tries, route);
      if (delay < 0 || System.currentTimeMillis() + delay > route.deadline()) {
        answer.fail(ar.cause());
        return;
      }
      retries.increment();
      if (delay == 0) {
        attempt(api, body, options, docId, route, tries + 1, answer);
      } else {
        vertx.setTimer(delay, id -> attempt(api, body, options, docId, route, tries + 1, answer));
      }
    });
  }

  /** Milliseconds before trying again, 0 for at once, -1 when the failure is the answer. */
  private long retryDelay(Throwable failure, String docId, String node, int tries, Route route) {
    if (docId == null || !(failure instanceof ReplyException reply)) {
      return -1;
    }
    boolean notOwner = reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == ErrorCode.NOT_OWNER.code();
    // ERROR: the clustered event bus could not deliver to the node (its connection failed).
    boolean nodeGone = reply.failureType() == ReplyFailure.NO_HANDLERS || reply.failureType() == ReplyFailure.ERROR
        || discarded(reply) || (reply.failureType() == ReplyFailure.TIMEOUT && !membership.documentOwners().contains(node));
    if (!notOwner && !nodeGone) {
      return -1;
    }
    if (nodeGone) {
      route.silent().add(node); // a leaving node: its documents go to the next in line, which waits for its lease
    }
    String holder = notOwner ? holderIn(reply.getMessage()) : null;
    if (holder != null && !holder.equals(node) && membership.documentOwners().contains(holder) && tries < MAX_FOLLOWS) {
      remember(docId, holder);
      return 0;
    }
    if (holder == null) {
      route.silent().add(node); // fenced out or stopping: the owner is elsewhere
    }
    if (route.silent().containsAll(membership.documentOwners())) {
      return -1; // nobody left to ask (a node alone that is stopping)
    }
    holders.remove(docId);
    return Math.min(MAX_BACKOFF_MS, 25L << Math.min(tries, 5));
  }

  /**
   * What a consumer that unregisters (a stopping node's inbox) answers each request it still held, at once: a TIMEOUT
   * saying "Discarded the request". Nothing of it was handled, so it is retried like a request to a node that left.
   */
  private static boolean discarded(ReplyException reply) {
    return reply.failureType() == ReplyFailure.TIMEOUT && reply.getMessage() != null
        && reply.getMessage().startsWith(DISCARDED);
  }

  private void remember(String docId, String holder) {
    if (holders.size() >= MAX_HOLDERS) {
      holders.clear(); // a hint cache: losing it costs one extra hop per document
    }
    holders.put(docId, holder);
  }

  /** The node to ask for {@code docId}: the holder last heard of while it is alive, else the placement's choice. */
  String nodeFor(String docId, Set<String> silent) {
    List<String> owners = membership.documentOwners();
    String holder = holders.get(docId);
    if (holder != null && owners.contains(holder) && !silent.contains(holder)) {
      return holder;
    }
    List<String> candidates = silent.isEmpty() ? owners : owners.stream().filter(n -> !silent.contains(n)).toList();
    return candidates.isEmpty() ? membership.nodeId() : Placement.owner(docId, candidates);
  }

  int shardOf(String docId) {
    return docId == null ? 0 : Math.floorMod(Placement.hash(docId), shards);
  }

  static String holderIn(String text) {
    int at = text == null ? -1 : text.lastIndexOf(HOLDER_PREFIX);
    return at < 0 ? null : text.substring(at + HOLDER_PREFIX.length()).trim();
  }

  private static String docIdOf(Object body) {
    if (body instanceof JsonObject json && json.getValue("docId") instanceof String id) {
      return DocId.fromUrlOrId(id);
    }
    return null; // malformed: any shard of this node refuses it properly
  }
}

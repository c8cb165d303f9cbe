package dev.docsync.peering;

import dev.docsync.doc.DocumentRouter;
import dev.docsync.protocol.Addresses;
import dev.docsync.store.DocumentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Server-to-server sync: dials every configured upstream and keeps the documents in scope (listed,
 * or every document this node holds, including ones created later) in sync with each of them.
 */
public final class Upstreams {
  private final Vertx vertx;
  private final DocumentStore store;
  private final UpstreamSettings settings;
  private final List<UpstreamLink> links = new ArrayList<>();
  private MessageConsumer<JsonObject> loadedDocuments;
  /** Documents in memory here: one created a moment ago has nothing stored yet, but is in scope too. */
  private final Set<String> loaded = new HashSet<>();

  private Upstreams(Vertx vertx, DocumentStore store, UpstreamSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.settings = settings;
  }

  public static Future<Upstreams> start(Vertx vertx, DocumentStore store, UpstreamSettings settings, DocumentRouter router) {
    Upstreams upstreams = new Upstreams(vertx, store, settings);
    if (settings.urls().isEmpty()) {
      return Future.succeededFuture(upstreams);
    }
    return store.identity().map(identity -> {
      if (settings.allDocuments()) {
        // This node's documents only: in a cluster each node links the documents it owns (and all stored ones at connect).
        upstreams.loadedDocuments = vertx.eventBus().localConsumer(Addresses.EVENTS, m -> upstreams.onEvent(m.body()));
      }
      for (String url : settings.urls()) {
        UpstreamLink link = new UpstreamLink(vertx, router, url, upstreams.links.size(), identity, settings,
            upstreams::openScope);
        upstreams.links.add(link);
        link.start();
      }
      return upstreams;
    });
  }

  /** Stored documents and the ones loaded right now (a new one may not be stored yet). */
  private void openScope(UpstreamLink link) {
    Future<Set<String>> scope = settings.allDocuments()
        ? store.listDocIds().map(ids -> {
            Set<String> all = new HashSet<>(loaded);
            ids.forEach(id -> all.add(id.value()));
            return all;
          })
        : Future.succeededFuture(new HashSet<>(settings.docIds()));
    scope.onSuccess(ids -> ids.forEach(link::open));
  }

  /** A document created or loaded here after the link came up joins the scope too. */
  private void onEvent(JsonObject event) {
    String docId = event.getString("docId");
    if ("document.loaded".equals(event.getString("event"))) {
      loaded.add(docId);
      links.stream().filter(UpstreamLink::connected).forEach(link -> link.open(docId));
    } else if ("document.unloaded".equals(event.getString("event"))) {
      loaded.remove(docId);
    }
  }

  public boolean allConnected() {
    return links.stream().allMatch(UpstreamLink::connected);
  }

  public Future<Void> stop() {
    if (loadedDocuments != null) {
      loadedDocuments.unregister();
    }
    return Future.join(links.stream().map(UpstreamLink::stop).toList()).mapEmpty();
  }
}

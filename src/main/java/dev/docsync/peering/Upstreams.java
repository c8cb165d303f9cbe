package dev.docsync.peering;

import dev.docsync.doc.ServerEvents;
import dev.docsync.protocol.DocId;
import dev.docsync.store.DocumentStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

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

  private Upstreams(Vertx vertx, DocumentStore store, UpstreamSettings settings) {
    this.vertx = vertx;
    this.store = store;
    this.settings = settings;
  }

  public static Future<Upstreams> start(Vertx vertx, DocumentStore store, UpstreamSettings settings) {
    Upstreams upstreams = new Upstreams(vertx, store, settings);
    if (settings.urls().isEmpty()) {
      return Future.succeededFuture(upstreams);
    }
    return store.identity().map(identity -> {
      for (String url : settings.urls()) {
        UpstreamLink link = new UpstreamLink(vertx, url, upstreams.links.size(), identity, settings, upstreams::openScope);
        upstreams.links.add(link);
        link.start();
      }
      if (settings.allDocuments()) {
        upstreams.loadedDocuments = vertx.eventBus().consumer(ServerEvents.ADDRESS, m -> upstreams.onEvent(m.body()));
      }
      return upstreams;
    });
  }

  private void openScope(UpstreamLink link) {
    Future<List<String>> scope = settings.allDocuments()
        ? store.listDocIds().map(ids -> ids.stream().map(DocId::value).toList())
        : Future.succeededFuture(settings.docIds());
    scope.onSuccess(ids -> ids.forEach(link::open));
  }

  /** A document created or loaded here after the link came up joins the scope too. */
  private void onEvent(JsonObject event) {
    if ("document.loaded".equals(event.getString("event"))) {
      links.stream().filter(UpstreamLink::connected).forEach(link -> link.open(event.getString("docId")));
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

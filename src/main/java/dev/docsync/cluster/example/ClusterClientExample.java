package dev.docsync.cluster.example;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.DocsyncCluster;
import dev.docsync.cluster.Role;
import dev.docsync.config.ConfigLoader;
import dev.docsync.config.DocsyncConfig;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import java.util.Base64;
import java.util.UUID;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/**
 * An application in its own JVM that uses docsync over the clustered event bus, exactly as a verticle inside a
 * docsync node would: it joins the cluster as a member that owns no documents, OPENs a document, follows its
 * changes, makes one with its own Automerge replica, shows its presence, says something in the chat, and leaves.
 * Against the nodes of {@code docs/cluster/run-3-nodes.sh} (the client needs a Hazelcast port of its own):
 * <pre>
 * DOCSYNC_CLUSTER_ENABLED=true DOCSYNC_CLUSTER_PORT=5710 \
 * DOCSYNC_CLUSTER_MEMBERS=127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703 \
 *   java -cp target/docsync.jar dev.docsync.cluster.example.ClusterClientExample [docId]
 * </pre>
 * No token: the clustered event bus is inside the cluster's trust boundary, like an in-JVM verticle.
 */
public final class ClusterClientExample {
  private ClusterClientExample() {}

  public static void main(String[] args) {
    String docId = args.length > 0 ? args[0] : "example-" + UUID.randomUUID().toString().substring(0, 8);
    String me = "example-" + ProcessHandle.current().pid();
    ClusterSettings cluster = DocsyncConfig.cluster(ConfigLoader.fromEnvironment(System.getenv())); // DOCSYNC_CLUSTER_*

    long started = System.nanoTime();
    Vertx vertx = DocsyncCluster.join(cluster, Role.CLIENT).await();
    print("joined cluster '%s' as a client in %d ms", cluster.name(), ms(started));
    try {
      run(vertx.eventBus(), docId, me);
    } finally {
      vertx.close().await(); // leaves the cluster: the nodes drop this member at once
    }
  }

  private static void run(EventBus bus, String docId, String me) {
    // Subscribe before OPEN, so that no change falls between the snapshot and the first event.
    bus.<JsonObject>consumer(Addresses.changes(docId), m -> print("change event: heads %s, origins %s, view %s",
        m.body().getJsonArray("heads"), m.body().getJsonArray("origins"), m.body().getJsonObject("view"))).completion().await();
    bus.<JsonObject>consumer(PresenceAddresses.events(docId), m -> print("presence event: %s %s %s",
        m.body().getString("event"), m.body().getString("participantId"),
        m.body().containsKey("state") ? m.body().getJsonObject("state") : m.body().getString("reason"))).completion().await();
    bus.<JsonObject>consumer(ChatAddresses.events(docId), m -> print("chat event: #%d %s: %s",
        m.body().getLong("id"), m.body().getString("author"), m.body().getString("text"))).completion().await();

    JsonObject opened = request(bus, Addresses.FRONTEND, new JsonObject().put("type", "OPEN").put("docId", docId));
    print("OPEN %s: heads %s, view %s", docId, opened.getJsonArray("heads"), opened.getJsonObject("view"));
    Document doc = Document.load(Base64.getDecoder().decode(opened.getString("snapshot")));
    try {
      ChangeHash[] before = doc.getHeads();
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "greeting", "hello from " + me);
        tx.commit();
      }
      long sent = System.nanoTime();
      JsonObject ack = request(bus, Addresses.FRONTEND, new JsonObject().put("type", "LOCAL_CHANGE").put("docId", docId)
          .put("origin", me).put("change", Base64.getEncoder().encodeToString(doc.encodeChangesSince(before))));
      print("LOCAL_CHANGE stored in %d ms: heads %s", ms(sent), ack.getJsonArray("heads"));
    } finally {
      doc.free(); // native memory
    }

    JsonObject present = request(bus, PresenceAddresses.REQUESTS, new JsonObject().put("type", "UPDATE").put("docId", docId)
        .put("participantId", me).put("state", new JsonObject().put("user", new JsonObject().put("name", me)).put("typing", false)));
    print("presence: %d participant(s) on %s", present.getJsonArray("participants").size(), docId);
    JsonObject said = request(bus, ChatAddresses.REQUESTS, new JsonObject().put("type", "SEND").put("docId", docId)
        .put("author", me).put("text", "hi, I am an event-bus client in another JVM").put("clientId", me + "-1"));
    print("chat message #%d stored", said.getLong("id"));

    sleep(1_000); // the events published meanwhile arrive
    request(bus, PresenceAddresses.REQUESTS, new JsonObject().put("type", "LEAVE").put("docId", docId).put("participantId", me));
    request(bus, Addresses.FRONTEND, new JsonObject().put("type", "CLOSE").put("docId", docId));
    print("left %s", docId);
  }

  /** Blocks this (main) thread, never an event loop, for the answer; a failure says its code and reason. */
  private static JsonObject request(EventBus bus, String address, JsonObject body) {
    return bus.<JsonObject>request(address, body).await().body();
  }

  private static long ms(long since) {
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void print(String format, Object... args) {
    System.out.println(String.format(format, args));
  }
}

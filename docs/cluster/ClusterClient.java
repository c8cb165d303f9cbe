// An application in a JVM of its own that joins a docsync cluster as a client member (it owns no documents) and
// uses the event-bus API exactly as code inside a node does: a READ and a LOCAL_CHANGE on docsync.frontend
// (docs/event-bus.md). Run it beside docs/cluster/run-3-nodes.sh, with the jar on the class path:
//
//   java -cp target/docsync.jar docs/cluster/ClusterClient.java notes-1 "Hello from another JVM"
//
// CLUSTER_MEMBERS (default 127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703), CLUSTER_NAME (docsync) and CLIENT_PORT
// (5799, this JVM's Hazelcast port) say where the cluster is. Hazelcast warns once about JVM options; the jar's own
// start passes them (its manifest): add the --add-opens it names to silence it. The clustered event bus asks for no
// token: keep the cluster's network private (DOCSYNC_CLUSTER_HOST on an internal interface, firewalled ports).
import dev.docsync.cluster.ClusterSettings;
import dev.docsync.cluster.DocsyncCluster;
import dev.docsync.cluster.Role;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Base64;
import org.automerge.AmValue;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

public class ClusterClient {
  public static void main(String[] args) {
    String docId = args.length > 0 ? args[0] : "notes-1";
    String text = args.length > 1 ? args[1] : "Hello from another JVM";
    ClusterSettings cluster = new ClusterSettings(true, "127.0.0.1",
        Integer.parseInt(env("CLIENT_PORT", "5799")),
        Arrays.asList(env("CLUSTER_MEMBERS", "127.0.0.1:5701,127.0.0.1:5702,127.0.0.1:5703").split(",")),
        env("CLUSTER_NAME", "docsync"), 0);
    Vertx vertx = DocsyncCluster.join(cluster, Role.CLIENT).await();
    Document doc = read(vertx, docId);
    try {
      // A change on top of what the document holds: it replaces the note rather than competing with it.
      ChangeHash[] before = doc.getHeads();
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "note", text);
        tx.commit();
      }
      String change = Base64.getEncoder().encodeToString(doc.encodeChangesSince(before));
      JsonObject stored = vertx.eventBus().<JsonObject>request("docsync.frontend", new JsonObject()
          .put("type", "LOCAL_CHANGE").put("docId", docId).put("change", change)).await().body();
      System.out.println("stored: heads " + stored.getJsonArray("heads"));
    } finally {
      doc.free(); // native memory
    }
    Document after = read(vertx, docId);
    System.out.println("read back: note = " + after.get(ObjectId.ROOT, "note")
        .map(v -> v instanceof AmValue.Str s ? s.getValue() : v.toString()).orElse("(none)"));
    after.free();
    vertx.close().await();
  }

  /** The document as the cluster holds it (READ answers a snapshot, base64; empty for a new document). */
  private static Document read(Vertx vertx, String docId) {
    JsonObject read = vertx.eventBus().<JsonObject>request("docsync.frontend", new JsonObject()
        .put("type", "READ").put("docId", docId)).await().body();
    String snapshot = read.getString("snapshot", "");
    return snapshot.isEmpty() ? new Document() : Document.load(Base64.getDecoder().decode(snapshot));
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}

package dev.docsync.bench;

import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.Base64s;
import dev.docsync.store.embedded.EmbeddedPostgresServer;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestDatabases;
import dev.docsync.testing.TestService;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/**
 * Acknowledged LOCAL_CHANGEs per second on one document and across 100, and native memory per
 * loaded document. Not a unit test: run it with
 * {@code mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.docsync.bench.CoreThroughput}
 * (set DOCSYNC_TEST_PG_URL to measure on a PostgreSQL server instead of the embedded one).
 */
public final class CoreThroughput {
  private static final int WINDOW = 32; // requests in flight per writer
  private static final long SECONDS = 10;

  public static void main(String[] args) throws Exception {
    String external = System.getenv("DOCSYNC_TEST_PG_URL");
    // The service's own embedded PostgreSQL, durability on, unless a server is given.
    EmbeddedPostgresServer embedded = external == null
        ? EmbeddedPostgresServer.start(Files.createTempDirectory(Path.of("target"), "bench-pg"), 0) : null;
    String url = external != null ? TestDatabases.freshDatabaseUrl() : embedded.url();
    System.out.println("database: " + (external == null ? "embedded (fsync on)" : external));
    try (TestService service = TestService.startOn(url, new JsonObject())) {
      report("1 document, 4 writers", run(service.vertx(), 1, 4));
      report("100 documents, 1 writer each", run(service.vertx(), 100, 1));
      memoryPerDocument(service);
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
    System.exit(0);
  }

  private static void report(String scenario, double perSecond) {
    System.out.printf("%-32s %,10.0f acknowledged changes/s%n", scenario, perSecond);
  }

  private static double run(Vertx vertx, int docs, int writersPerDoc) throws Exception {
    List<Writer> writers = new ArrayList<>();
    String prefix = "bench-" + System.nanoTime() + "-";
    for (int d = 0; d < docs; d++) {
      for (int w = 0; w < writersPerDoc; w++) {
        writers.add(new Writer(vertx, prefix + d));
      }
    }
    AtomicLong acked = new AtomicLong();
    long deadline = System.nanoTime() + SECONDS * 1_000_000_000L;
    long start = System.nanoTime();
    List<Promise<Void>> done = new ArrayList<>();
    for (Writer writer : writers) {
      Promise<Void> finished = Promise.promise();
      done.add(finished);
      for (int i = 0; i < WINDOW; i++) {
        writer.next(deadline, acked, finished);
      }
    }
    for (Promise<Void> p : done) {
      Await.result(p.future());
    }
    double rate = acked.get() / ((System.nanoTime() - start) / 1e9);
    writers.forEach(Writer::free);
    return rate;
  }

  /** One frontend replica producing changes as fast as the window allows. */
  private static final class Writer {
    private final Vertx vertx;
    private final String docId;
    private final Document doc = new Document();
    private int inFlight;
    private long counter;

    Writer(Vertx vertx, String docId) {
      this.vertx = vertx;
      this.docId = docId;
    }

    synchronized void next(long deadline, AtomicLong acked, Promise<Void> finished) {
      if (System.nanoTime() > deadline) {
        if (inFlight == 0) {
          finished.tryComplete();
        }
        return;
      }
      ChangeHash[] before = doc.getHeads();
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "k" + (counter++ % 50), counter);
        tx.commit();
      }
      byte[] change = doc.encodeChangesSince(before);
      inFlight++;
      vertx.eventBus().request(Addresses.FRONTEND, new JsonObject().put("type", "LOCAL_CHANGE").put("docId", docId)
          .put("change", Base64s.encode(change))).onComplete(ar -> {
            synchronized (this) {
              inFlight--;
            }
            if (ar.failed()) {
              finished.tryFail(ar.cause());
              return;
            }
            acked.incrementAndGet();
            next(deadline, acked, finished);
          });
    }

    synchronized void free() {
      doc.free();
    }
  }

  /** Resident memory added by documents of 100 changes each, held loaded by an OPEN. */
  private static void memoryPerDocument(TestService service) throws Exception {
    int docs = 1_000;
    String prefix = "mem-" + System.nanoTime() + "-";
    for (int d = 0; d < docs; d++) {
      Document doc = new Document();
      for (int i = 0; i < 100; i++) {
        try (Transaction tx = doc.startTransaction()) {
          tx.set(ObjectId.ROOT, "k" + i, i);
          tx.commit();
        }
      }
      Await.result(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE").put("docId", prefix + d)
          .put("change", Base64s.encode(doc.save()))));
      doc.free();
    }
    service.restart(); // start with nothing loaded
    System.gc();
    long before = rssKb();
    for (int d = 0; d < docs; d++) {
      Await.result(service.frontend(new JsonObject().put("type", "OPEN").put("docId", prefix + d).put("view", false)));
    }
    System.gc();
    long after = rssKb();
    System.out.printf("memory per loaded 100-change document: %.1f KB resident (%d documents)%n", (after - before) / (double) docs, docs);
  }

  private static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return 0;
  }
}

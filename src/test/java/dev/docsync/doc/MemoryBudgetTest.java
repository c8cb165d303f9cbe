package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.Base64s;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/** 10,000 documents opened one after another under a small memory budget. */
class MemoryBudgetTest {
  private static final long BUDGET = 4L * 1024 * 1024;
  private static final int DOCS = 10_000;

  @Test
  void loadedDocumentsStayUnderTheBudgetAndNativeMemoryLevelsOff() throws Exception {
    JsonObject settings = new JsonObject().put("DOCSYNC_MEMORY_BUDGET_BYTES", BUDGET).put("DOCSYNC_DOC_IDLE_UNLOAD_MS", 3_600_000);
    byte[] content = hundredChanges();
    try (TestService service = TestService.start(settings)) {
      DocumentService documents = service.verticle().documents();
      long maxLoaded = 0;
      long rssAt2k = 0;
      for (int batch = 0; batch < DOCS / 50; batch++) {
        List<Future<JsonObject>> acks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          acks.add(service.frontend(new JsonObject().put("type", "LOCAL_CHANGE")
              .put("docId", "budget-" + (batch * 50 + i)).put("change", Base64s.encode(content))));
        }
        acks.forEach(Await::result);
        maxLoaded = Math.max(maxLoaded, documents.loadedBytes());
        if (batch * 50 == 2_000) {
          rssAt2k = rssKb();
        }

      }
      long rssAt10k = rssKb();
      System.out.printf("budget %d KB, most loaded %d KB, %d documents loaded at the end; RSS at 2k docs %d KB, at 10k %d KB%n",
          BUDGET / 1024, maxLoaded / 1024, documents.loadedDocuments(), rssAt2k, rssAt10k);
      // One batch of 50 may be in flight above the budget before the least recently used ones go.
      long perDocument = NativeMemory.BASE_BYTES + NativeMemory.of(100, 100, 100);
      assertThat(maxLoaded).isLessThanOrEqualTo(BUDGET + 50 * perDocument);
      assertThat(documents.loadedDocuments()).isLessThan(200);
      // 8,000 more documents went through memory (1.3 GB if they leaked); resident memory must level off.
      assertThat(rssAt10k - rssAt2k).isLessThan(256 * 1024);
      JsonObject first = Await.result(service.frontend(new JsonObject().put("type", "READ").put("docId", "budget-0")));
      assertThat(first.getJsonObject("view")).hasSize(100);
    }
  }

  private static byte[] hundredChanges() {
    Document doc = new Document();
    for (int i = 0; i < 100; i++) {
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ObjectId.ROOT, "k" + i, i);
        tx.commit();
      }
    }
    byte[] bytes = doc.save();
    doc.free();
    return bytes;
  }

  private static long rssKb() throws Exception {
    System.gc();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }
}

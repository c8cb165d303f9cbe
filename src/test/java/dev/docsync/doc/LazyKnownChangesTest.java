package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.DocId;
import dev.docsync.protocol.DocRequest;
import dev.docsync.protocol.ErrorCode;
import dev.docsync.store.StoredChunk;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * Loading a document neither encodes nor hashes its history (a 50,000-change document spent a
 * quarter to half a second there on every cold load): the memory estimate comes from the stored
 * chunks, and the set of known change hashes is built only when a change depends on something that
 * is not a current head. Dependencies are checked as strictly either way.
 */
class LazyKnownChangesTest {
  private static final DocId ID = new DocId("lazy-known");
  private static final OwnerSettings SETTINGS = new OwnerSettings(100, 100, 1000, 60_000, 1 << 20, 8,
      1L << 30, 1L << 32, 1000, 0, 0, 0, 0, 64L << 20);

  @Test
  void aWriterInStepNeverBuildsTheSetAnOlderDependencyDoes() {
    Document client = new Document();
    change(client, "a");
    change(client, "b");
    byte[] saved = client.save();
    LoadedDocument loaded = LoadedDocument.load(ID, List.of(new StoredChunk(1, StoredChunk.Kind.SNAPSHOT, saved)), Long.MAX_VALUE);
    try {
      assertThat(loaded.estimatedBytes()).isGreaterThan(NativeMemory.BASE_BYTES);
      Document fork = client.fork();
      byte[] inStep = change(client, "c");
      assertThat(apply(loaded, inStep).error()).isNull();
      assertThat(loaded.knowsHistory()).isFalse();

      byte[] concurrent = change(fork, "d"); // depends on b: no longer a head
      assertThat(apply(loaded, concurrent).error()).isNull();
      assertThat(loaded.knowsHistory()).isTrue();

      Document other = new Document();
      change(other, "x");
      byte[] orphan = change(other, "y"); // depends on x, which the document lacks
      BatchResult.Reply refused = apply(loaded, orphan);
      assertThat(refused.error()).isNotNull();
      assertThat(refused.error().code()).isEqualTo(ErrorCode.MISSING_DEPENDENCIES);
      fork.free();
      other.free();
    } finally {
      loaded.unload();
      client.free();
    }
  }

  @Test
  void aRetryOfAHeldChangeIsAcceptedBeforeTheSetIsBuiltAndAMissingDependencyRefused() {
    Document client = new Document();
    change(client, "a");
    byte[] b = change(client, "b");
    LoadedDocument loaded = LoadedDocument.load(ID, List.of(new StoredChunk(1, StoredChunk.Kind.SNAPSHOT, client.save())),
        Long.MAX_VALUE);
    try {
      assertThat(apply(loaded, b).error()).isNull(); // already held: a retry
      Document other = new Document();
      change(other, "x");
      BatchResult.Reply refused = apply(loaded, change(other, "y"));
      assertThat(refused.error().code()).isEqualTo(ErrorCode.MISSING_DEPENDENCIES);
      other.free();
    } finally {
      loaded.unload();
      client.free();
    }
  }

  private static BatchResult.Reply apply(LoadedDocument loaded, byte[] change) {
    Pending pending = new Pending(new DocRequest.LocalChange(ID, change, null), Promise.<JsonObject>promise());
    BatchResult result = loaded.apply(List.of(pending), Map.of(), false, SETTINGS, true);
    if (result.heads != null) {
      loaded.markStored(result.heads);
    }
    return result.replies.get(0);
  }

  private static byte[] change(Document doc, String key) {
    ChangeHash[] before = doc.getHeads();
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ObjectId.ROOT, key, 1);
      tx.commit();
    }
    return doc.encodeChangesSince(before);
  }
}

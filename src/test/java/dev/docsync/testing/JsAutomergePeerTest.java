package dev.docsync.testing;

import static dev.docsync.testing.JsAutomergePeer.hexHeads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.automerge.ObjectId.ROOT;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.docsync.testing.JsAutomergePeer.Ops;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.NewValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Proves the node bridge talks real Automerge with the Java (Rust/JNI) binding, both ways. */
class JsAutomergePeerTest {

  @BeforeAll
  static void setUp() throws IOException {
    assumeTrue(JsAutomergePeer.nodeAvailable(), "node and src/test/js/node_modules are needed");
    // The JNI library unpacks into java.io.tmpdir, which Surefire points at a not yet created target/tmp.
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
  }

  @Test
  void jsChangesApplyToJavaDocument() {
    Document doc = new Document();
    Document loaded = null;
    try (JsAutomergePeer js = JsAutomergePeer.start()) {
      byte[] c1 =
          js.change(
              Ops.put(List.of("title"), "hello"),
              Ops.increment(List.of("count"), 3),
              Ops.push(List.of("tags"), "a"),
              Ops.put(List.of("meta", "n"), 42));
      byte[] c2 = js.change(Ops.splice(List.of("title"), 5, 0, " world"), Ops.increment(List.of("count"), 2));

      doc.applyEncodedChanges(c1);
      doc.applyEncodedChanges(c2);

      assertThat(text(doc, "title")).isEqualTo("hello world");
      assertThat(((AmValue.Counter) doc.get(ROOT, "count").orElseThrow()).getValue()).isEqualTo(5);
      ObjectId meta = ((AmValue.Map) doc.get(ROOT, "meta").orElseThrow()).getId();
      assertThat(((AmValue.Int) doc.get(meta, "n").orElseThrow()).getValue()).isEqualTo(42);
      assertThat(hexHeads(doc.getHeads())).isEqualTo(js.heads());

      // A whole JS save loads in Java to the same heads.
      loaded = Document.load(js.save());
      assertThat(hexHeads(loaded.getHeads())).isEqualTo(js.heads());
    } finally {
      doc.free();
      if (loaded != null) {
        loaded.free();
      }
    }
  }

  @Test
  void javaSaveLoadsInJs() {
    Document doc = new Document();
    try (JsAutomergePeer js = JsAutomergePeer.start()) {
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ROOT, "name", "java"); // a scalar string, not Text
        tx.set(ROOT, "count", NewValue.counter(7));
        tx.set(ROOT, "flag", true);
        ObjectId body = tx.set(ROOT, "body", ObjectType.TEXT);
        tx.spliceText(body, 0, 0, "from java");
        ObjectId list = tx.set(ROOT, "list", ObjectType.LIST);
        tx.insert(list, 0, 1);
        tx.insert(list, 1, "two");
        tx.commit();
      }

      assertThat(js.load(doc.save())).isEqualTo(hexHeads(doc.getHeads()));
      JsonObject expected =
          new JsonObject()
              .put("name", "java")
              .put("count", 7)
              .put("flag", true)
              .put("body", "from java")
              .put("list", new JsonArray().add(1).add("two"));
      assertThat(js.json()).isEqualTo(expected);

      // A later Java change reaches JS as an encoded change too.
      ChangeHash[] before = doc.getHeads();
      try (Transaction tx = doc.startTransaction()) {
        tx.increment(ROOT, "count", 3);
        tx.commit();
      }
      js.applyChanges(List.of(doc.encodeChangesSince(before)));
      assertThat(js.json().getInteger("count")).isEqualTo(10);
      assertThat(js.heads()).isEqualTo(hexHeads(doc.getHeads()));

      // Several changes come out of encodeChangesSince concatenated: JS applyChanges rejects
      // that ("leftover data"), loadIncremental takes it.
      before = doc.getHeads();
      for (int i = 0; i < 2; i++) {
        try (Transaction tx = doc.startTransaction()) {
          tx.increment(ROOT, "count", 1);
          tx.commit();
        }
      }
      byte[] twoChanges = doc.encodeChangesSince(before);
      assertThat(js.call(applyChangesRequest(twoChanges)).getBoolean("ok")).isFalse();
      assertThat(js.loadIncremental(twoChanges)).isEqualTo(hexHeads(doc.getHeads()));
      assertThat(js.json().getInteger("count")).isEqualTo(12);
    } finally {
      doc.free();
    }
  }

  @Test
  void syncConvergesFromDivergentEdits() {
    Document doc = new Document();
    ObjectId body;
    try (Transaction tx = doc.startTransaction()) {
      tx.set(ROOT, "shared", "base");
      body = tx.set(ROOT, "body", ObjectType.TEXT);
      tx.spliceText(body, 0, 0, "base");
      tx.commit();
    }
    try (JsAutomergePeer js = JsAutomergePeer.start()) {
      js.load(doc.save());

      // Concurrent edits on each side of the common base.
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ROOT, "fromJava", 1);
        tx.spliceText(body, 0, 0, "J:");
        tx.commit();
      }
      js.change(Ops.put(List.of("fromJs"), 2), Ops.splice(List.of("body"), 4, 0, ":S"));

      syncUntilQuiet(js, doc);

      assertThat(js.heads()).isEqualTo(hexHeads(doc.getHeads()));
      assertThat(text(doc, "body")).isEqualTo("J:base:S");
      assertThat(doc.get(ROOT, "fromJs")).isPresent();
      assertThat(js.json())
          .isEqualTo(
              new JsonObject()
                  .put("shared", "base")
                  .put("body", "J:base:S")
                  .put("fromJava", 1)
                  .put("fromJs", 2));
    } finally {
      doc.free();
    }
  }

  @Test
  void syncConvergesWithoutCommonHistoryAndPicksSameConflictWinner() {
    Document doc = new Document();
    try (JsAutomergePeer js = JsAutomergePeer.start()) {
      try (Transaction tx = doc.startTransaction()) {
        tx.set(ROOT, "winner", "java");
        tx.commit();
      }
      js.change(Ops.put(List.of("winner"), "js"));

      syncUntilQuiet(js, doc);

      assertThat(js.heads()).isEqualTo(hexHeads(doc.getHeads()));
      AmValue javaWinner = doc.get(ROOT, "winner").orElseThrow();
      // Java wrote a scalar, JS wrote Text: whichever won, both sides must agree.
      String javaView =
          javaWinner instanceof AmValue.Text t
              ? doc.text(t.getId()).orElseThrow()
              : ((AmValue.Str) javaWinner).getValue();
      assertThat(js.json().getString("winner")).isEqualTo(javaView);
    } finally {
      doc.free();
    }
  }

  @Test
  void badRequestsGetErrorRepliesAndThePeerKeepsWorking() {
    try (JsAutomergePeer js = JsAutomergePeer.start()) {
      assertThat(js.call(new JsonObject().put("cmd", "nope")).getBoolean("ok")).isFalse();
      assertThat(js.call(new JsonObject().put("cmd", "load").put("bytes", "AAAA")).getString("error")).isNotBlank();
      assertThatThrownBy(() -> js.change(new JsonObject().put("op", "bogus").put("path", new JsonArray().add("x"))))
          .hasMessageContaining("unknown op");
      assertThat(js.change(Ops.put(List.of("ok"), true))).isNotEmpty();
      assertThat(js.json()).isEqualTo(new JsonObject().put("ok", true));
      assertThat(js.change()).isNull(); // an empty change makes no change
    }
  }

  /** Exchanges sync messages both ways until neither side has anything left to say. */
  private static void syncUntilQuiet(JsAutomergePeer js, Document doc) {
    SyncState state = new SyncState();
    try {
      for (int round = 0; round < 20; round++) {
        Optional<byte[]> toJava = js.generateSync();
        toJava.ifPresent(m -> doc.receiveSyncMessage(state, m));
        Optional<byte[]> toJs = doc.generateSyncMessage(state);
        toJs.ifPresent(js::receiveSync);
        if (toJava.isEmpty() && toJs.isEmpty()) {
          return;
        }
      }
      throw new AssertionError("sync did not go quiet in 20 rounds");
    } finally {
      state.free();
    }
  }

  private static JsonObject applyChangesRequest(byte[] changes) {
    return new JsonObject()
        .put("cmd", "applyChanges")
        .put("changes", new JsonArray().add(Base64.getEncoder().encodeToString(changes)));
  }

  private static String text(Document doc, String key) {
    AmValue.Text t = (AmValue.Text) doc.get(ROOT, key).orElseThrow();
    return doc.text(t.getId()).orElseThrow();
  }
}

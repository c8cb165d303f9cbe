package dev.docsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AsyncProfileTest {

  @Test
  void aSampleBelongsToTheComponentNearestItsLeaf() {
    String loop = "[vert.x-eventloop-thread-1 tid=31]";
    assertThat(AsyncProfile.component("vert.x-eventloop-thread", (loop
        + ";io/vertx/core/eventbus/impl/EventBusImpl.send;dev/docsync/transport/ws/WsConnection.fromCore"
        + ";io/netty/handler/codec/http/websocketx/WebSocket08FrameEncoder.encode;tcp_sendmsg_[k]").split(";")))
        .isEqualTo("WebSocket frames (Netty, Vert.x)");
    assertThat(AsyncProfile.component("docsync-automerge", ("[docsync-automerge-2 tid=40]"
        + ";java/util/concurrent/ThreadPoolExecutor.runWorker;dev/docsync/doc/LoadedDocument.apply"
        + ";org/automerge/AutomergeSys.receiveSyncMessage;automerge::change_graph::ChangeGraph::remove_ancestors;_int_malloc")
        .split(";"))).isEqualTo("Automerge core (JNI calls)");
    assertThat(AsyncProfile.component("vert.x-eventloop-thread", (loop
        + ";io/vertx/core/eventbus/impl/EventBusImpl.send;io/netty/channel/nio/NioIoHandler.wakeup;eventfd_write_[k]").split(";")))
        .isEqualTo("thread hand-offs (wake-ups, parking, polling)");
    assertThat(AsyncProfile.component("vert.x-eventloop-thread", (loop
        + ";io/netty/util/concurrent/SingleThreadEventExecutor.execute;sun/nio/ch/EPollSelectorImpl.wakeup"
        + ";sun/nio/ch/EventFD.set0;__GI_write;eventfd_write_[k]").split(";")))
        .isEqualTo("thread hand-offs (wake-ups, parking, polling)");
    assertThat(AsyncProfile.component("C2 CompilerThre", "[C2 CompilerThre tid=7];Compile::Compile".split(";")))
        .isEqualTo("JIT compiler");
    assertThat(AsyncProfile.component("vert.x-eventloop-thread", (loop + ";start_thread;__libc_malloc").split(";")))
        .isEqualTo("other (JVM, libc, kernel)");
  }

  @Test
  void threadNamesLoseTheirNumbers() {
    assertThat(AsyncProfile.threadGroup("[vert.x-eventloop-thread-3 tid=42]")).isEqualTo("vert.x-eventloop-thread");
    assertThat(AsyncProfile.threadGroup("[GC Thread#1 tid=9]")).isEqualTo("GC Thread");
    assertThat(AsyncProfile.threadGroup("java/lang/Thread.run")).isEqualTo("?");
  }

  @Test
  void theBudgetSplitsTheCpuOfAChangeAsTheSamplesDo(@TempDir Path dir) throws Exception {
    Path samples = dir.resolve("w.collapsed");
    Files.writeString(samples, String.join("\n",
        "[docsync-automerge-1 tid=40];dev/docsync/doc/LoadedDocument.apply;org/automerge/AutomergeSys.generateSyncMessage 30",
        "[vert.x-eventloop-thread-0 tid=30];io/vertx/core/eventbus/impl/EventBusImpl.send 10",
        "[vert.x-eventloop-thread-1 tid=31];io/vertx/core/eventbus/impl/EventBusImpl.send 10", ""));

    JsonObject budget = AsyncProfile.budget(samples, 2500);

    assertThat(budget.getLong("samples")).isEqualTo(50);
    assertThat(budget.getDouble("usPerChange")).isEqualTo(2500.0);
    JsonObject first = budget.getJsonArray("byComponent").getJsonObject(0);
    assertThat(first.getString("name")).isEqualTo("Automerge core (JNI calls)");
    assertThat(first.getDouble("usPerChange")).isEqualTo(1500.0); // 30 of 50 samples
    assertThat(budget.getJsonArray("byThread").getJsonObject(1).getString("name")).isEqualTo("vert.x-eventloop-thread");
    assertThat(budget.getJsonArray("byThread").getJsonObject(1).getDouble("pct")).isEqualTo(40.0);
  }

  @Test
  void theJitRowComesFromTheMeasuredWindowAndTheRestKeepsItsProportions() {
    JsonObject sampled = new JsonObject().put("samples", 100).put("usPerChange", 5000.0).put("byComponent", new JsonArray()
        .add(new JsonObject().put("name", AsyncProfile.JIT).put("usPerChange", 2000.0).put("pct", 40.0))
        .add(new JsonObject().put("name", "Automerge core (JNI calls)").put("usPerChange", 2000.0).put("pct", 40.0))
        .add(new JsonObject().put("name", "event bus").put("usPerChange", 1000.0).put("pct", 20.0)));

    JsonObject measured = AsyncProfile.withJit(sampled, 3100, 100);

    assertThat(measured.getDouble("usPerChange")).isEqualTo(3100.0);
    JsonArray rows = measured.getJsonArray("byComponent");
    assertThat(rows.getJsonObject(0).getString("name")).isEqualTo("Automerge core (JNI calls)");
    assertThat(rows.getJsonObject(0).getDouble("usPerChange")).isEqualTo(2000.0); // 2/3 of the 3,000 that is not JIT
    assertThat(rows.getJsonObject(1).getDouble("usPerChange")).isEqualTo(1000.0);
    assertThat(rows.getJsonObject(2).getString("name")).isEqualTo(AsyncProfile.JIT);
    assertThat(rows.getJsonObject(2).getDouble("usPerChange")).isEqualTo(100.0);
  }
}

package dev.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.JarProcess;
import dev.docsync.testing.ReadmeSnippets;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code java -jar docsync.jar client ...} as a user runs it, against the built jar running as the server. */
class ClientCliIT {

  @Test
  void putCatWatchExportAndImport() throws Exception {
    try (JarServer server = JarServer.start()) {
      server.ok("put", "notes-cli", "title", "\"Hello\"", "--create");
      server.ok("put", "automerge:notes-cli", "items", "[{\"name\": \"a\", \"done\": false}]");
      server.ok("put", "notes-cli", "items/0/name", "\"b\"");
      server.ok("put", "notes-cli", "count", "3");
      JarProcess.Result cat = server.ok("cat", "notes-cli");
      JsonObject doc = new JsonObject(cat.lastLine());
      assertThat(doc).isEqualTo(new JsonObject("{\"title\":\"Hello\",\"items\":[{\"name\":\"b\",\"done\":false}],\"count\":3}"));

      // watch: the document now, then one line per change as it arrives.
      try (JarProcess watch = JarProcess.start(server.workDir, server.clientEnv(), "client", "watch", "notes-cli")) {
        await().atMost(Duration.ofSeconds(30)).until(() -> jsonLines(watch).size() >= 1);
        server.ok("put", "notes-cli", "title", "\"Changed\"");
        await().atMost(Duration.ofSeconds(30)).until(() -> jsonLines(watch).stream().anyMatch(l -> "Changed".equals(l.getString("title"))));
        List<JsonObject> lines = jsonLines(watch);
        assertThat(lines.get(0).getString("title")).isEqualTo("Hello");
        watch.process().destroy();
      }

      // export, then import into a new document: the same content.
      Path file = server.workDir.resolve("notes.automerge");
      server.ok("export", "notes-cli", file.toString());
      assertThat(Files.size(file)).isPositive();
      String copy = server.ok("import", file.toString()).lastLine();
      assertThat(copy).isNotEqualTo("notes-cli").matches("[1-9A-HJ-NP-Za-km-z]{20,}");
      assertThat(new JsonObject(server.ok("cat", copy).lastLine())).isEqualTo(new JsonObject(server.ok("cat", "notes-cli").lastLine()));
      // ... and into a named one, new or not.
      server.ok("import", file.toString(), "notes-restored");
      assertThat(new JsonObject(server.ok("cat", "notes-restored").lastLine()).getString("title")).isEqualTo("Changed");
    }
  }

  @Test
  void failuresSayWhyInOneLineAndBadUsageIsExitTwo() throws Exception {
    try (JarServer server = JarServer.start()) {
      JarProcess.Result unknown = server.client("cat", "notes-nobody-made");
      assertThat(unknown.exitCode()).isEqualTo(1);
      assertThat(unknown.output().strip()).isEqualTo("docsync client: unknown document notes-nobody-made: the server does not have it");

      Map<String, String> badToken = new HashMap<>(server.clientEnv());
      badToken.put("DOCSYNC_TOKEN", "not-a-token");
      JarProcess.Result refused = server.client(badToken, "cat", "notes-1");
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.output().strip()).startsWith("docsync client: token refused by " + server.url() + ": UNAUTHENTICATED").doesNotContain("\n");

      String readOnly = server.mint("--sub", "rita", "--read", "notes-*");
      JarProcess.Result forbidden = server.client(Map.of("DOCSYNC_SERVER", server.url(), "DOCSYNC_TOKEN", readOnly),
          "cat", "secret-1");
      assertThat(forbidden.exitCode()).isEqualTo(1);
      assertThat(forbidden.output().strip()).contains("FORBIDDEN: the token does not open document secret-1");

      JarProcess.Result help = server.client("--help");
      assertThat(help.exitCode()).isZero();
      assertThat(help.output()).contains("cat", "watch", "put", "export", "import", "--server", "--token");
      assertThat(server.client("cat").exitCode()).as("no DOC").isEqualTo(2);
      assertThat(server.client("frobnicate", "x").exitCode()).as("no such command").isEqualTo(2);
      JarProcess.Result badJson = server.client("put", "notes-1", "title", "not json");
      assertThat(badJson.exitCode()).isEqualTo(2);
      assertThat(badJson.output()).contains("JSON");

      server.stop();
      JarProcess.Result down = server.client("cat", "notes-1");
      assertThat(down.exitCode()).isEqualTo(1);
      assertThat(down.output().strip()).startsWith("docsync client: cannot reach " + server.url()).doesNotContain("\n");
    }
  }

  /** README's ClientExample.java, as written there, run with the jar on the class path. */
  @Test
  void theReadmeExampleRuns() throws Exception {
    try (JarServer server = JarServer.start()) {
      Path example = ReadmeSnippets.write("ClientExample.java");
      ProcessBuilder builder = new ProcessBuilder(JarProcess.javaBinary(), "-cp", JarProcess.JAR.toString(), example.toString())
          .redirectErrorStream(true).directory(server.workDir.toFile());
      builder.environment().putAll(server.clientEnv());
      Process process = builder.start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(process.waitFor()).as(output).isZero();
      assertThat(output).contains("connection: online", "mine: {\"title\":\"Hello from Java\"}", "synced automerge:");
      String url = output.lines().filter(l -> l.startsWith("synced ")).findFirst().orElseThrow().split(" ")[1];
      String docId = url.substring("automerge:".length(), url.length() - 1);
      assertThat(new JsonObject(server.ok("cat", docId).lastLine()).getString("title")).isEqualTo("Hello from Java");
    }
  }

  private static List<JsonObject> jsonLines(JarProcess process) {
    return process.output().lines().filter(l -> l.startsWith("{")).map(JsonObject::new).toList();
  }
}

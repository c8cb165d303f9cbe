package dev.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.JarProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Two {@code edit} terminal editors on one document, each in a real terminal (tmux, on a socket of its own):
 * keys typed with {@code send-keys}, screens read with {@code capture-pane}. Each sees the other's text, name,
 * cursor position and colour.
 */
class TerminalEditorIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final String socket = "docsync-it-" + UUID.randomUUID().toString().substring(0, 8);

  @AfterEach
  void killTmux() throws Exception {
    tmux("kill-server");
  }

  @Test
  void twoEditorsSeeEachOthersTextAndCursor() throws Exception {
    Assumptions.assumeTrue(System.getenv("CI") != null || tmuxInstalled(), "tmux not installed");
    try (JarServer server = JarServer.start()) {
      server.ok("put", "pad-1", "text", "\"\"", "--create");
      editor("alice", server, "Alice", "#FF6B6B");
      editor("bob", server, "Bob", "#4ECDC4");
      await().atMost(WAIT).until(() -> statusLine("alice").contains("online") && statusLine("alice").contains("Bob")
          && statusLine("bob").contains("Alice"));

      tmux("send-keys", "-t", "alice", "-l", "Hello from Alice");
      await().atMost(WAIT).until(() -> screen("bob").get(0).startsWith("Hello from Alice"));
      // Bob sees Alice's cursor where she stopped typing (row 1, column 17), in her colour, with her name.
      await().atMost(WAIT).until(() -> statusLine("bob").contains("Alice 1:17"));
      assertThat(screen("bob").get(0)).endsWith("Alice");
      assertThat(tmux("capture-pane", "-e", "-p", "-t", "bob")).contains("48;2;255;107;107");

      tmux("send-keys", "-t", "bob", "End", "Enter");
      tmux("send-keys", "-t", "bob", "-l", "Bob here");
      await().atMost(WAIT).until(() -> screen("alice").size() > 1 && screen("alice").get(1).startsWith("Bob here"));
      await().atMost(WAIT).until(() -> statusLine("alice").contains("Bob 2:9"));
      assertThat(tmux("capture-pane", "-e", "-p", "-t", "alice")).contains("48;2;78;205;196");

      // Alice's caret stayed after her own text, not pushed along by Bob's.
      tmux("send-keys", "-t", "alice", "-l", "!");
      await().atMost(WAIT).until(() -> new JsonObject(server.ok("cat", "pad-1").lastLine()).getString("text")
          .equals("Hello from Alice!\nBob here"));
      System.out.println("[editor] alice's screen:\n" + String.join("\n", screen("alice")));
      System.out.println("[editor] bob's screen:\n" + String.join("\n", screen("bob")));

      tmux("send-keys", "-t", "bob", "C-x"); // (C-q is XON: terminals keep it)
      await().atMost(WAIT).until(() -> !statusLine("alice").contains("Bob"));
    }
  }

  private void editor(String session, JarServer server, String name, String color) throws Exception {
    String command = String.join(" ", "env", "DOCSYNC_SERVER=" + server.url(), "DOCSYNC_TOKEN=" + server.token(),
        JarProcess.javaBinary(), "-jar", JarProcess.JAR.toString(), "edit", "pad-1", "--name", name, "--color", "'" + color + "'");
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "10", command);
  }

  private List<String> screen(String session) throws Exception {
    List<String> lines = new ArrayList<>(tmux("capture-pane", "-p", "-t", session).lines().toList());
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private String statusLine(String session) throws Exception {
    List<String> lines = screen(session);
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private String tmux(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(10, TimeUnit.SECONDS);
    return output;
  }

  private static boolean tmuxInstalled() {
    try {
      return new ProcessBuilder("tmux", "-V").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}

package dev.docsync.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The code blocks of README.md marked {@code <!-- readme-snippet: NAME -->}, written out as they are and run
 * with Node beside the pinned packages of src/test/js: what a reader pastes is what the tests run.
 */
public final class ReadmeSnippets {
  private static final Pattern SNIPPET =
      Pattern.compile("<!-- readme-snippet: (\\S+) -->\\s*\\n([ \\t]*)```\\w*\\n(.*?)\\n[ \\t]*```", Pattern.DOTALL);
  public static final Path JS_DIR = Path.of("src/test/js").toAbsolutePath();

  private ReadmeSnippets() {}

  /** Writes the snippet NAME of README.md to src/test/js/.readme-snippets/NAME; its path. */
  public static Path write(String name) throws IOException {
    Matcher m = SNIPPET.matcher(Files.readString(Path.of("README.md")));
    while (m.find()) {
      if (m.group(1).equals(name)) {
        String indent = m.group(2);
        String code = m.group(3).lines().map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l)
            .reduce("", (a, b) -> a + b + "\n");
        Path file = JS_DIR.resolve(".readme-snippets").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, code, StandardCharsets.UTF_8);
        return file;
      }
    }
    throw new AssertionError("README.md has no snippet marked <!-- readme-snippet: " + name + " -->");
  }

  /** A snippet running under Node; its standard output and error lines are collected as they come. */
  public static final class Running implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    public Running(Path script, Map<String, String> env, String... args) throws IOException {
      List<String> command = new java.util.ArrayList<>(List.of("node", script.toString()));
      command.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(command).directory(JS_DIR.toFile()).redirectErrorStream(true);
      pb.environment().putAll(env);
      process = pb.start();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            lines.add(line);
          }
        } catch (IOException ended) {
          // the process ended
        }
      }, "readme-snippet-" + script.getFileName());
      reader.setDaemon(true);
      reader.start();
    }

    public List<String> lines() {
      return lines;
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}

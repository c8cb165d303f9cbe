package dev.docsync;

import dev.docsync.store.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.automerge.Document;

/**
 * {@code unpack}: unpacks the embedded PostgreSQL binaries into java.io.tmpdir and leaves them there, so that
 * later starts with the same java.io.tmpdir reuse them (the container image runs it at build time). It also
 * loads the Automerge JNI library once, to fail early where it cannot load; that one unpacks itself at every
 * start (automerge-java 0.0.7 has no way to load a kept copy).
 */
final class UnpackCommand {
  private UnpackCommand() {}

  static int run() {
    Main.configureLogging(Map.of("DOCSYNC_LOG_LEVEL", "warn"));
    Path scratch = null;
    try {
      new Document().free();
      // zonky unpacks its binaries on the first start; a throwaway cluster is the way to ask for that.
      scratch = Files.createTempDirectory("docsync-unpack-");
      EmbeddedPostgresServer.start(scratch.resolve("pg"), 0).close();
      System.out.println("docsync: embedded PostgreSQL binaries unpacked in " + Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
      return 0;
    } catch (IOException | RuntimeException e) {
      System.err.println("docsync unpack: " + e.getMessage());
      return 1;
    } finally {
      deleteQuietly(scratch);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a scratch directory in tmp: nothing depends on it
    }
  }
}

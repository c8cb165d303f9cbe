package dev.docsync.store.embedded;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * Which zonky PostgreSQL archive serves this machine, named as zonky names them. macOS has one archive for
 * both x86_64 and arm64 (universal binaries, zonky's fallback for arm64). A machine without one is told so in
 * one line, before anything starts.
 */
public final class PostgresBinaries {
  private PostgresBinaries() {}

  /** The archive for an os.name / os.arch pair, if docsync ships one. */
  static Optional<String> archiveFor(String osName, String osArch) {
    String os = osName.toLowerCase(Locale.ROOT);
    String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "arm_64";
      default -> "";
    };
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return arch.isEmpty() ? Optional.empty() : Optional.of("postgres-darwin-x86_64.txz");
    }
    if (os.startsWith("linux") && !arch.isEmpty()) {
      return Optional.of("postgres-linux-" + arch + ".txz");
    }
    if (os.startsWith("windows") && arch.equals("x86_64")) {
      return Optional.of("postgres-windows-x86_64.txz");
    }
    return Optional.empty();
  }

  /** Fails with one line naming the platform and DOCSYNC_PG_URL when the embedded PostgreSQL cannot run here. */
  static void checkAvailable() throws IOException {
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    Optional<String> archive = archiveFor(os, arch);
    if (archive.isEmpty() || PostgresBinaries.class.getClassLoader().getResource(archive.get()) == null) {
      throw new IOException("no embedded PostgreSQL for " + os + " on " + arch
          + ": set DOCSYNC_PG_URL to a PostgreSQL server (14 or newer)");
    }
  }
}

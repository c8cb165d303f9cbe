package dev.docsync.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A client's storage directory, as automerge-repo's storage adapters keep it: per document a snapshot
 * ({@code save()}) and incremental chunks ({@code encodeChangesSince}), loaded by concatenation; per
 * (document, server storageId) the encoded sync state; and the client's own storageId, which it announces
 * in {@code join} so that the server keeps its sync state too. Every write is a new file moved into place.
 * Blocking: called off the event loop.
 */
final class LocalStore {
  private static final String SNAPSHOT = "snapshot.bin";
  private static final String CHUNK_PREFIX = "chunk-";

  private final Path root;
  private final String storageId;

  private LocalStore(Path root, String storageId) {
    this.root = root;
    this.storageId = storageId;
  }

  static LocalStore open(Path dir) {
    try {
      Files.createDirectories(dir.resolve("docs"));
      Path idFile = dir.resolve("storage-id");
      if (!Files.exists(idFile)) {
        write(idFile, UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
      }
      return new LocalStore(dir, Files.readString(idFile, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot use " + dir + " as the client's storage directory: " + e.getMessage(), e);
    }
  }

  String storageId() {
    return storageId;
  }

  /** The stored bytes of a document (snapshot then chunks, in order), or null when it was never stored. */
  byte[] load(String docId) throws IOException {
    Path dir = docDir(docId);
    if (!Files.isDirectory(dir)) {
      return null;
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    Path snapshot = dir.resolve(SNAPSHOT);
    if (Files.exists(snapshot)) {
      all.write(Files.readAllBytes(snapshot));
    }
    for (Path chunk : chunks(dir)) {
      all.write(Files.readAllBytes(chunk));
    }
    return all.size() == 0 ? null : all.toByteArray();
  }

  /** Appends changes; {@code seq} orders the chunks (the caller counts). */
  void appendChunk(String docId, long seq, byte[] changes) throws IOException {
    Path dir = Files.createDirectories(docDir(docId));
    write(dir.resolve(String.format("%s%019d.bin", CHUNK_PREFIX, seq)), changes);
  }

  /** Replaces snapshot and chunks by one snapshot (chunks written before it are deleted once it is in place). */
  void writeSnapshot(String docId, byte[] snapshot) throws IOException {
    Path dir = Files.createDirectories(docDir(docId));
    List<Path> old = chunks(dir);
    write(dir.resolve(SNAPSHOT), snapshot);
    for (Path chunk : old) {
      Files.deleteIfExists(chunk);
    }
  }

  /** Highest chunk number stored for a document, or 0. */
  long lastChunk(String docId) throws IOException {
    Path dir = docDir(docId);
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    List<Path> chunks = chunks(dir);
    if (chunks.isEmpty()) {
      return 0;
    }
    String name = chunks.get(chunks.size() - 1).getFileName().toString();
    return Long.parseLong(name.substring(CHUNK_PREFIX.length(), name.length() - 4));
  }

  byte[] loadSyncState(String docId, String serverStorageId) throws IOException {
    Path file = docDir(docId).resolve("sync-" + safe(serverStorageId) + ".bin");
    return Files.exists(file) ? Files.readAllBytes(file) : null;
  }

  /** Every stored sync state of a document, by server storageId. */
  java.util.Map<String, byte[]> loadSyncStates(String docId) throws IOException {
    java.util.Map<String, byte[]> states = new java.util.HashMap<>();
    Path dir = docDir(docId);
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.toList()) {
          String name = file.getFileName().toString();
          if (name.startsWith("sync-") && name.endsWith(".bin")) {
            states.put(name.substring(5, name.length() - 4), Files.readAllBytes(file));
          }
        }
      }
    }
    return states;
  }

  void saveSyncState(String docId, String serverStorageId, byte[] state) throws IOException {
    Path dir = Files.createDirectories(docDir(docId));
    write(dir.resolve("sync-" + safe(serverStorageId) + ".bin"), state);
  }

  private Path docDir(String docId) {
    return root.resolve("docs").resolve(safe(docId));
  }

  private static List<Path> chunks(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> chunks = new ArrayList<>(files.filter(p -> {
        String name = p.getFileName().toString();
        return name.startsWith(CHUNK_PREFIX) && name.endsWith(".bin");
      }).toList());
      chunks.sort(null);
      return chunks;
    }
  }

  /** Document ids may hold ':' and '~': file names get only letters, digits, '.', '_' and '-'. */
  private static String safe(String name) {
    StringBuilder out = new StringBuilder();
    for (char c : name.toCharArray()) {
      if (Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '_' || c == '-') {
        out.append(c);
      } else {
        out.append('~').append(String.format("%02x", (int) c));
      }
    }
    return out.toString();
  }

  private static void write(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}

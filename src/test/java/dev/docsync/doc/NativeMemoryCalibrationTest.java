package dev.docsync.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.protocol.DocId;
import dev.docsync.store.StoredChunk;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.junit.jupiter.api.Test;

/**
 * The memory estimate against what the Automerge core really holds: documents of different shapes
 * are loaded in a fresh JVM (whose heap is committed up front, so that resident memory grows only by
 * native memory) and the growth of its resident memory per document is compared with the estimate.
 * Measured 2026-11-29 (see the output): within a factor of 2 either way for every shape.
 */
class NativeMemoryCalibrationTest {
  private static final double FACTOR = 2.0;

  record Shape(String name, int copies, byte[] saved) {}

  @Test
  void theEstimateStaysWithinAFactorOfTwoOfNativeMemory() throws Exception {
    List<Shape> shapes = List.of(
        new Shape("20k small changes (1 map key each)", 8, build(doc -> {
          for (int i = 0; i < 20_000; i++) {
            try (Transaction tx = doc.startTransaction()) {
              tx.set(ObjectId.ROOT, "k" + i % 100, i);
              tx.commit();
            }
          }
        })),
        new Shape("20k typed characters (1 change each)", 5, build(doc -> {
          ObjectId text = text(doc);
          for (int i = 0; i < 20_000; i++) {
            try (Transaction tx = doc.startTransaction()) {
              tx.spliceText(text, i, 0, "x");
              tx.commit();
            }
          }
        })),
        new Shape("one paste of 100k characters", 4, build(doc -> {
          ObjectId text = text(doc);
          try (Transaction tx = doc.startTransaction()) {
            tx.spliceText(text, 0, 0, "abcdefghij".repeat(10_000));
            tx.commit();
          }
        })),
        new Shape("one change of 100k map keys", 4, build(doc -> {
          try (Transaction tx = doc.startTransaction()) {
            for (int i = 0; i < 100_000; i++) {
              tx.set(ObjectId.ROOT, "key" + i, i);
            }
            tx.commit();
          }
        })),
        new Shape("one 10 MB string value", 6, build(doc -> {
          try (Transaction tx = doc.startTransaction()) {
            tx.set(ObjectId.ROOT, "s", "x".repeat(10_000_000));
            tx.commit();
          }
        })));
    List<String> problems = new ArrayList<>();
    for (Shape shape : shapes) {
      long[] result = measureInChildJvm(shape);
      double ratio = (double) result[0] / result[1];
      System.out.printf("%-40s estimate %,12d B, measured %,12d B per document (estimate/measured %.2f)%n",
          shape.name(), result[0], result[1], ratio);
      if (ratio > FACTOR || ratio < 1 / FACTOR) {
        problems.add(shape.name() + ": " + ratio);
      }
    }
    assertThat(problems).isEmpty();
  }

  /** {estimate, measured resident bytes per document}. */
  private static long[] measureInChildJvm(Shape shape) throws Exception {
    Path file = Files.createTempFile("calibration", ".automerge");
    try {
      Files.write(file, shape.saved());
      Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms96m", "-Xmx96m", "-XX:+AlwaysPreTouch", "-XX:TieredStopAtLevel=1",
          "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
          "-cp", System.getProperty("java.class.path"), Probe.class.getName(), file.toString(), String.valueOf(shape.copies()))
          .redirectErrorStream(true).start();
      List<String> lines = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        out.lines().forEach(lines::add);
      }
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
      assertThat(last).as("probe output %s", lines).startsWith("RESULT ");
      String[] parts = last.split(" ");
      return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])};
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** Runs in the child JVM: loads the document {@code copies} times as the node does, and measures. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      byte[] saved = Files.readAllBytes(Path.of(args[0]));
      int copies = Integer.parseInt(args[1]);
      List<StoredChunk> chunks = List.of(new StoredChunk(1, StoredChunk.Kind.SNAPSHOT, saved));
      LoadedDocument.load(new DocId("warm-up"), chunks, Long.MAX_VALUE).unload(); // native library, JIT
      System.gc();
      long before = rss();
      List<LoadedDocument> loaded = new ArrayList<>();
      for (int i = 0; i < copies; i++) {
        loaded.add(LoadedDocument.load(new DocId("copy-" + i), chunks, Long.MAX_VALUE));
      }
      System.gc();
      long after = rss();
      System.out.println("RESULT " + loaded.get(0).estimatedBytes() + " " + (after - before) / copies);
      loaded.forEach(LoadedDocument::unload);
    }

    private static long rss() throws Exception {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
      throw new IllegalStateException("no VmRSS");
    }
  }

  private interface Builder {
    void build(Document doc);
  }

  private static byte[] build(Builder builder) {
    Document doc = new Document();
    try {
      builder.build(doc);
      return doc.save();
    } finally {
      doc.free();
    }
  }

  private static ObjectId text(Document doc) {
    try (Transaction tx = doc.startTransaction()) {
      ObjectId text = tx.set(ObjectId.ROOT, "text", ObjectType.TEXT);
      tx.commit();
      return text;
    }
  }
}

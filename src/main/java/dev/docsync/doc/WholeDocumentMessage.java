package dev.docsync.doc;

import dev.docsync.limits.ChunkScan;
import dev.docsync.store.StoredChunk;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * The sync message that gives a new, empty peer the whole document at once, built from the stored chunks without
 * loading them. The Automerge core answers such a peer (see {@code SyncMessageCheck.fromEmptyPeerTakingDocuments})
 * with one version-2 message holding its {@code save()}; for that it must load and save the document, which is most
 * of a cold fetch of a large one. The stored snapshot followed by the chunks written since is the same document
 * (an empty peer loads it with {@code load_incremental}, as the core's own {@code Document.load} does), and its
 * heads are read from the chunk headers.
 *
 * @param message the sync message: heads, need nothing, have everything up to the heads, the chunks, capabilities
 * @param syncState an encoded sync state sharing those heads with the peer: what it holds once it took the message
 * @param heads the stored document's heads, in the core's order
 * @param estimatedBytes the native memory the document will take once loaded (see NativeMemory)
 */
record WholeDocumentMessage(byte[] message, byte[] syncState, List<byte[]> heads, long estimatedBytes) {
  private static final int MESSAGE_V2 = 0x43;
  private static final int SYNC_STATE = 0x43;
  private static final int CAPABILITY_V1 = 0x01;
  private static final int CAPABILITY_V2 = 0x02;

  /**
   * Null when the chunks are not mostly a snapshot (raw changes stored after it weigh more than it: the core's
   * compressed save() would be much smaller) or do not parse (the load path decides what to do with them then).
   * Compaction keeps every large document mostly a snapshot (see DocumentOwner.maybeCompact).
   */
  static WholeDocumentMessage of(List<StoredChunk> chunks) {
    long snapshot = chunks.stream().filter(c -> c.kind() == StoredChunk.Kind.SNAPSHOT).mapToLong(c -> c.data().length).sum();
    long tail = chunks.stream().filter(c -> c.kind() != StoredChunk.Kind.SNAPSHOT).mapToLong(c -> c.data().length).sum();
    if (snapshot == 0 || tail > snapshot) {
      return null;
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    chunks.forEach(c -> all.writeBytes(c.data()));
    byte[] stored = all.toByteArray();
    ChunkScan scan;
    try {
      scan = ChunkScan.of(stored, Long.MAX_VALUE); // written by our own core
    } catch (RuntimeException e) {
      return null;
    }
    List<byte[]> heads = heads(scan);
    ByteArrayOutputStream message = new ByteArrayOutputStream(stored.length + 64 * heads.size() + 32);
    message.write(MESSAGE_V2);
    writeHashes(message, heads); // heads
    writeLeb(message, 0); // need
    writeLeb(message, 1); // have: everything up to our heads, nothing since
    writeHashes(message, heads);
    writeLeb(message, 0); // the empty Bloom filter
    writeLeb(message, 1); // one entry of chunks
    writeLeb(message, stored.length);
    message.writeBytes(stored);
    writeLeb(message, 2);
    message.write(CAPABILITY_V1);
    message.write(CAPABILITY_V2);
    ByteArrayOutputStream state = new ByteArrayOutputStream(1 + 32 * heads.size() + 4);
    state.write(SYNC_STATE);
    writeHashes(state, heads);
    return new WholeDocumentMessage(message.toByteArray(), state.toByteArray(), heads,
        NativeMemory.BASE_BYTES + NativeMemory.of(scan));
  }

  /** The documents' heads and the changes' hashes that no change depends on, in the core's (byte) order. */
  static List<byte[]> heads(ChunkScan scan) {
    HexFormat hex = HexFormat.of();
    TreeMap<String, byte[]> heads = new TreeMap<>();
    scan.documentHeads().forEach(h -> heads.put(hex.formatHex(h), h));
    scan.changeList().forEach(c -> heads.put(hex.formatHex(c.hash()), c.hash()));
    scan.changeList().forEach(c -> c.deps().forEach(d -> heads.remove(hex.formatHex(d))));
    return List.copyOf(heads.values());
  }

  private static void writeHashes(ByteArrayOutputStream out, List<byte[]> hashes) {
    writeLeb(out, hashes.size());
    hashes.forEach(out::writeBytes);
  }

  private static void writeLeb(ByteArrayOutputStream out, long value) {
    long rest = value;
    do {
      int b = (int) (rest & 0x7f);
      rest >>>= 7;
      out.write(rest == 0 ? b : b | 0x80);
    } while (rest != 0);
  }
}

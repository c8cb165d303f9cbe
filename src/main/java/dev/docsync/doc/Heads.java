package dev.docsync.doc;

import io.vertx.core.json.JsonArray;
import java.util.Arrays;
import java.util.HexFormat;
import org.automerge.ChangeHash;

/** Change-hash helpers: heads travel as lowercase hex strings, as JS getHeads() gives them. */
final class Heads {
  private static final HexFormat HEX = HexFormat.of();

  private Heads() {}

  static JsonArray toJson(ChangeHash[] heads) {
    JsonArray json = new JsonArray();
    for (ChangeHash hash : heads) {
      json.add(HEX.formatHex(hash.getBytes()));
    }
    return json;
  }

  static JsonArray toJson(java.util.List<byte[]> heads) {
    JsonArray json = new JsonArray();
    heads.forEach(hash -> json.add(HEX.formatHex(hash)));
    return json;
  }

  /** True when both name the same set of changes (order-insensitive). */
  static boolean same(ChangeHash[] a, ChangeHash[] b) {
    if (a.length != b.length) {
      return false;
    }
    return Arrays.equals(sortedHex(a), sortedHex(b));
  }

  private static String[] sortedHex(ChangeHash[] heads) {
    String[] hex = new String[heads.length];
    for (int i = 0; i < heads.length; i++) {
      hex[i] = HEX.formatHex(heads[i].getBytes());
    }
    Arrays.sort(hex);
    return hex;
  }
}

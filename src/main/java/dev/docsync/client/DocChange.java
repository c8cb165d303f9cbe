package dev.docsync.client;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a change did to a document: the heads and JSON views before and after, and which top-level keys
 * changed (with their new values) or went. {@code local}: made by this client; otherwise it came from the server.
 * Computed from JSON views, never from Automerge patches (the 0.0.7 binding aborts the JVM on conflict patches).
 */
public record DocChange(String documentId, boolean local, List<String> headsBefore, List<String> headsAfter,
                        JsonObject before, JsonObject after) {

  /** Top-level keys whose value is new or different, with the new value. */
  public JsonObject changed() {
    JsonObject changed = new JsonObject();
    for (String key : after.fieldNames()) {
      if (!before.containsKey(key) || !Objects.equals(before.getValue(key), after.getValue(key))) {
        changed.put(key, after.getValue(key));
      }
    }
    return changed;
  }

  /** Top-level keys that were removed. */
  public List<String> removed() {
    List<String> removed = new ArrayList<>();
    for (String key : before.fieldNames()) {
      if (!after.containsKey(key)) {
        removed.add(key);
      }
    }
    return removed;
  }
}

package dev.docsync.doc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/** What changed between two JSON views, per top-level key: {"changed": {key: newValue}, "removed": [key]}. */
final class ViewDiff {
  private ViewDiff() {}

  static JsonObject between(JsonObject before, JsonObject after) {
    JsonObject changed = new JsonObject();
    JsonArray removed = new JsonArray();
    JsonObject previous = before == null ? new JsonObject() : before;
    for (String key : after.fieldNames()) {
      Object value = after.getValue(key);
      if (!previous.containsKey(key) || !Objects.equals(previous.getValue(key), value)) {
        changed.put(key, value);
      }
    }
    for (String key : previous.fieldNames()) {
      if (!after.containsKey(key)) {
        removed.add(key);
      }
    }
    return new JsonObject().put("changed", changed).put("removed", removed);
  }
}

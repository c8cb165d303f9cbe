package dev.docsync.doc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.MapEntry;
import org.automerge.ObjectId;

/**
 * A plain JSON picture of an Automerge document, as JS {@code toJS} gives it: text as strings,
 * counters as numbers, bytes as base64, timestamps as epoch milliseconds. Reads only: it never asks
 * the binding for patches (0.0.7 aborts the JVM on conflict patches, see docs).
 */
public final class JsonView {
  private JsonView() {}

  public static JsonObject of(Document doc) {
    return map(doc, ObjectId.ROOT);
  }

  private static JsonObject map(Document doc, ObjectId id) {
    JsonObject json = new JsonObject();
    for (MapEntry entry : doc.mapEntries(id).orElse(new MapEntry[0])) {
      json.put(entry.getKey(), value(doc, entry.getValue()));
    }
    return json;
  }

  private static JsonArray list(Document doc, ObjectId id) {
    JsonArray json = new JsonArray();
    for (AmValue item : doc.listItems(id).orElse(new AmValue[0])) {
      json.add(value(doc, item));
    }
    return json;
  }

  private static Object value(Document doc, AmValue value) {
    if (value instanceof AmValue.Map m) {
      return map(doc, m.getId());
    } else if (value instanceof AmValue.List l) {
      return list(doc, l.getId());
    } else if (value instanceof AmValue.Text t) {
      return doc.text(t.getId()).orElse("");
    } else if (value instanceof AmValue.Str s) {
      return s.getValue();
    } else if (value instanceof AmValue.Int i) {
      return i.getValue();
    } else if (value instanceof AmValue.UInt u) {
      return u.getValue();
    } else if (value instanceof AmValue.F64 f) {
      return f.getValue();
    } else if (value instanceof AmValue.Bool b) {
      return b.getValue();
    } else if (value instanceof AmValue.Counter c) {
      return c.getValue();
    } else if (value instanceof AmValue.Timestamp ts) {
      return ts.getValue().getTime();
    } else if (value instanceof AmValue.Bytes bytes) {
      return Base64.getEncoder().encodeToString(bytes.getValue());
    }
    return null; // Null and Unknown
  }
}

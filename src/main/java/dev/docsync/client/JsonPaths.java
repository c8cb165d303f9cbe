package dev.docsync.client;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import org.automerge.AmValue;
import org.automerge.NewValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;

/**
 * Writes a JSON value at a path ({@code title}, {@code items/0/name}) in a transaction, as automerge-repo JS
 * apps write them: objects become maps, arrays lists, strings Automerge text (what JS 3.x makes of a string),
 * integers ints, other numbers f64. Missing maps on the way are created; a list index may be the list's length
 * (append).
 */
public final class JsonPaths {
  private JsonPaths() {}

  /** Sets {@code value} (Vert.x JSON: JsonObject, JsonArray, String, Number, Boolean or null) at {@code path}. */
  public static void put(Transaction tx, String path, Object value) {
    String[] parts = split(path);
    ObjectId object = ObjectId.ROOT;
    StringBuilder at = new StringBuilder();
    for (int i = 0; i < parts.length - 1; i++) {
      at.append(i == 0 ? "" : "/").append(parts[i]);
      object = child(tx, object, parts[i], at);
    }
    at.append(parts.length == 1 ? "" : "/").append(parts[parts.length - 1]);
    if (isList(tx, object)) {
      long index = index(tx, object, parts[parts.length - 1], at, true);
      if (index == tx.length(object)) {
        insert(tx, object, index, value);
      } else {
        set(tx, object, index, value);
      }
    } else {
      set(tx, object, parts[parts.length - 1], value);
    }
  }

  private static String[] split(String path) {
    String trimmed = path == null ? "" : path.strip();
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    if (trimmed.isEmpty() || trimmed.contains("//") || trimmed.endsWith("/")) {
      throw new IllegalArgumentException("a path is keys and list indexes separated by '/', e.g. title or items/0/name; got '" + path + "'");
    }
    return trimmed.split("/");
  }

  /** The map or list at {@code key}; a missing map entry becomes an empty map. */
  private static ObjectId child(Transaction tx, ObjectId parent, String key, CharSequence at) {
    AmValue existing;
    if (isList(tx, parent)) {
      long index = index(tx, parent, key, at, true);
      if (index == tx.length(parent)) {
        return tx.insert(parent, index, ObjectType.MAP);
      }
      existing = tx.get(parent, (int) index).orElse(null);
    } else {
      existing = tx.get(parent, key).orElse(null);
      if (existing == null) {
        return tx.set(parent, key, ObjectType.MAP);
      }
    }
    if (existing instanceof AmValue.Map map) {
      return map.getId();
    }
    if (existing instanceof AmValue.List list) {
      return list.getId();
    }
    throw new IllegalArgumentException(at + " is not an object or a list");
  }

  private static boolean isList(Transaction tx, ObjectId object) {
    return tx.getObjectType(object).map(t -> t == ObjectType.LIST).orElse(false);
  }

  private static long index(Transaction tx, ObjectId list, String key, CharSequence at, boolean mayAppend) {
    long length = tx.length(list);
    try {
      long index = Long.parseLong(key);
      if (index >= 0 && (index < length || mayAppend && index == length)) {
        return index;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(at + ": a list index from 0 to " + length + " was expected");
  }

  private static void set(Transaction tx, ObjectId map, String key, Object value) {
    if (value instanceof JsonObject || value instanceof Map) {
      fillMap(tx, tx.set(map, key, ObjectType.MAP), asObject(value));
    } else if (value instanceof JsonArray array) {
      fillList(tx, tx.set(map, key, ObjectType.LIST), array);
    } else if (value instanceof String text) {
      tx.spliceText(tx.set(map, key, ObjectType.TEXT), 0, 0, text);
    } else if (value == null) {
      tx.setNull(map, key);
    } else {
      tx.set(map, key, scalar(value));
    }
  }

  private static void set(Transaction tx, ObjectId list, long index, Object value) {
    if (value instanceof JsonObject || value instanceof Map) {
      fillMap(tx, tx.set(list, index, ObjectType.MAP), asObject(value));
    } else if (value instanceof JsonArray array) {
      fillList(tx, tx.set(list, index, ObjectType.LIST), array);
    } else if (value instanceof String text) {
      tx.spliceText(tx.set(list, index, ObjectType.TEXT), 0, 0, text);
    } else if (value == null) {
      tx.setNull(list, index);
    } else {
      tx.set(list, index, scalar(value));
    }
  }

  private static void insert(Transaction tx, ObjectId list, long index, Object value) {
    if (value instanceof JsonObject || value instanceof Map) {
      fillMap(tx, tx.insert(list, index, ObjectType.MAP), asObject(value));
    } else if (value instanceof JsonArray array) {
      fillList(tx, tx.insert(list, index, ObjectType.LIST), array);
    } else if (value instanceof String text) {
      tx.spliceText(tx.insert(list, index, ObjectType.TEXT), 0, 0, text);
    } else if (value == null) {
      tx.insertNull(list, index);
    } else {
      tx.insert(list, index, scalar(value));
    }
  }

  private static void fillMap(Transaction tx, ObjectId map, JsonObject value) {
    value.forEach(e -> set(tx, map, e.getKey(), e.getValue()));
  }

  private static void fillList(Transaction tx, ObjectId list, JsonArray value) {
    for (int i = 0; i < value.size(); i++) {
      insert(tx, list, i, value.getValue(i));
    }
  }

  @SuppressWarnings("unchecked")
  private static JsonObject asObject(Object value) {
    return value instanceof JsonObject o ? o : new JsonObject((Map<String, Object>) value);
  }

  private static NewValue scalar(Object value) {
    if (value instanceof Boolean b) {
      return NewValue.bool(b);
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return NewValue.integer(((Number) value).longValue());
    }
    if (value instanceof BigInteger big && big.bitLength() < 64) {
      return NewValue.integer(big.longValue());
    }
    if (value instanceof BigDecimal decimal) {
      try {
        return NewValue.integer(decimal.longValueExact());
      } catch (ArithmeticException e) {
        return NewValue.f64(decimal.doubleValue());
      }
    }
    if (value instanceof Number n) {
      return NewValue.f64(n.doubleValue());
    }
    throw new IllegalArgumentException("cannot store a " + value.getClass().getSimpleName() + " in a document");
  }
}

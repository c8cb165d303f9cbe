package dev.docsync.protocol;

import io.vertx.core.json.JsonObject;

/** Field reading shared by the request parsers: every failure is a MALFORMED_MESSAGE that names the field. */
public final class JsonBodies {
  private JsonBodies() {}

  /** The body as a JSON object; a JSON text is accepted too (some bridged clients send strings). */
  public static JsonObject object(Object body) {
    if (body instanceof JsonObject json) {
      return json;
    }
    if (body instanceof String text) {
      try {
        return new JsonObject(text);
      } catch (RuntimeException e) {
        throw malformed("body is not a JSON object");
      }
    }
    throw malformed("body must be a JSON object");
  }

  /** A non-blank string of at most {@code maxLength} characters, or null when absent and not required. */
  public static String string(JsonObject json, String field, boolean required, int maxLength) {
    Object value = json.getValue(field);
    if (value == null) {
      if (required) {
        throw malformed("missing string field '" + field + "'");
      }
      return null;
    }
    if (!(value instanceof String s) || s.isBlank() || s.length() > maxLength) {
      throw malformed("field '" + field + "' must be a non-blank string of at most " + maxLength + " characters");
    }
    return s;
  }

  public static DocsyncException malformed(String message) {
    return new DocsyncException(ErrorCode.MALFORMED_MESSAGE, message);
  }
}

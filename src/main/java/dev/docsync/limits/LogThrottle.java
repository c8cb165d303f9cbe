package dev.docsync.limits;

import java.util.HashMap;
import java.util.Map;

/**
 * Bounds the log lines that clients can cause: at most {@code perMinute} lines per key (say, an
 * error code) a minute; the lines held back are counted and reported by the next line that passes.
 * Counters and events still see every occurrence. Thread-safe.
 */
public final class LogThrottle {
  private static final long MINUTE_MS = 60_000;

  private final int perMinute;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    long start;
    int logged;
    long suppressed;
  }

  public LogThrottle(int perMinute) {
    this.perMinute = perMinute;
  }

  /**
   * Null when this occurrence should not be logged; else a suffix for the line ("" or how many
   * similar lines were held back since the last one).
   */
  public synchronized String admit(String key, long nowMs) {
    Window w = windows.computeIfAbsent(key, k -> new Window());
    if (nowMs - w.start >= MINUTE_MS) {
      w.start = nowMs;
      w.logged = 0;
    }
    if (w.logged >= perMinute) {
      w.suppressed++;
      return null;
    }
    w.logged++;
    String suffix = w.suppressed == 0 ? "" : " (" + w.suppressed + " similar lines held back before this one)";
    w.suppressed = 0;
    return suffix;
  }

  public String admit(String key) {
    return admit(key, System.currentTimeMillis());
  }
}

package dev.docsync.limits;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The {@code docsync.limits.exceeded} counters of one transport (tags {@code limit} and {@code transport}),
 * registered up front so that every limit shows in /metrics, at 0 until it is hit. Thread-safe.
 */
public final class LimitMeters {
  public static final String NAME = "docsync.limits.exceeded";

  private final Map<Limit, Counter> counters = new EnumMap<>(Limit.class);

  /** @param transport {@code ws}, {@code sockjs} or {@code tcp} */
  public LimitMeters(MeterRegistry registry, String transport) {
    for (Limit limit : Limit.values()) {
      counters.put(limit, Counter.builder(NAME)
          .description("Messages or connections refused by a limit")
          .tag("limit", limit.tag())
          .tag("transport", transport)
          .register(registry));
    }
  }

  public void exceeded(Limit limit) {
    counters.get(limit).increment();
  }

  public double count(Limit limit) {
    return counters.get(limit).count();
  }
}

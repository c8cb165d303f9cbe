package dev.docsync.limits;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads counters from the node's Prometheus scrape ({@code GET /metrics}). */
public final class Metrics {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)");

  private Metrics() {}

  public static String scrape(int port) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return response.body();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code docsync_limits_exceeded_total{limit, transport}}. */
  public static double limitExceeded(int port, String limit, String transport) {
    return sum(scrape(port), "docsync_limits_exceeded_total", "limit=\"" + limit + "\"", "transport=\"" + transport + "\"");
  }

  /** The sum of a metric's samples whose labels contain every one of {@code labels} (name="value"). */
  public static double sum(String scrape, String metric, String... labels) {
    double total = 0;
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!m.find() || !m.group(1).equals(metric)) {
        continue;
      }
      String tags = m.group(2) == null ? "" : m.group(2);
      boolean all = true;
      for (String label : labels) {
        all &= tags.contains(label);
      }
      if (all) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }
}

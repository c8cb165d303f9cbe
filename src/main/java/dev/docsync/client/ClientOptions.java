package dev.docsync.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a {@link DocsyncClient} connects. Immutable; {@code with...} methods return a copy.
 *
 * @param server the server's HTTP address ({@code http://localhost:8080}: its WebSocket is {@code /sync}) or a
 *     WebSocket URL used as it is ({@code ws://host:port/path}, e.g. the Node reference server)
 * @param token asked at every connection attempt, so that an application can hand out fresh tokens; null: none
 * @param storageDir where documents and sync states are kept between runs; null: memory only
 * @param minBackoff first wait before reconnecting; it doubles up to {@code maxBackoff}, with jitter (50-100 %)
 */
public record ClientOptions(String server, Supplier<String> token, Path storageDir, Duration minBackoff,
                            Duration maxBackoff, int maxMessageBytes) {
  public static final String DEFAULT_SERVER = "http://localhost:8080";

  public ClientOptions {
    Objects.requireNonNull(server, "server");
    webSocketUri(server); // fails early on a bad address
    if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
      throw new IllegalArgumentException("backoff: 0 < min <= max, got " + minBackoff + ", " + maxBackoff);
    }
  }

  /** Reconnects after 250 ms, then 0.5, 1, 2, 4, 5 s (with jitter); memory only. */
  public static ClientOptions of(String server, String token) {
    return new ClientOptions(server, token == null ? null : () -> token, null, Duration.ofMillis(250), Duration.ofSeconds(5),
        64 * 1024 * 1024);
  }

  public ClientOptions withStorage(Path dir) {
    return new ClientOptions(server, token, dir, minBackoff, maxBackoff, maxMessageBytes);
  }

  public ClientOptions withToken(Supplier<String> tokens) {
    return new ClientOptions(server, tokens, storageDir, minBackoff, maxBackoff, maxMessageBytes);
  }

  public ClientOptions withBackoff(Duration min, Duration max) {
    return new ClientOptions(server, token, storageDir, min, max, maxMessageBytes);
  }

  /** The WebSocket URL to dial, with {@code ?token=} when there is one (what browsers must do too). */
  String webSocketUrl(String currentToken) {
    String url = webSocketUri(server).toString();
    if (currentToken == null || currentToken.isBlank()) {
      return url;
    }
    return url + (url.contains("?") ? "&" : "?") + "token=" + URLEncoder.encode(currentToken.trim(), StandardCharsets.UTF_8);
  }

  /** http(s)://host:port[/] becomes ws(s)://host:port/sync; ws(s) URLs are taken as they are. */
  static URI webSocketUri(String server) {
    URI uri;
    try {
      uri = URI.create(server.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a URL: '" + server + "'");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("http") || scheme.equals("https") || scheme.equals("ws") || scheme.equals("wss"))) {
      throw new IllegalArgumentException("the server must be an http(s):// or ws(s):// URL, got '" + server + "'");
    }
    if (scheme.startsWith("ws")) {
      return uri;
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/") ? "/sync" : uri.getRawPath();
    String ws = (scheme.equals("https") ? "wss" : "ws") + "://" + uri.getRawAuthority() + path;
    return URI.create(uri.getRawQuery() == null ? ws : ws + "?" + uri.getRawQuery());
  }
}

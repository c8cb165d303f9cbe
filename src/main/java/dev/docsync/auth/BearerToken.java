package dev.docsync.auth;

import io.vertx.core.http.HttpServerRequest;

/**
 * Where HTTP and WebSocket clients put their token: "Authorization: Bearer ..." or the "token" query
 * parameter (a browser WebSocket, like the automerge-repo client, can only set the URL).
 */
public final class BearerToken {
  private static final String PREFIX = "Bearer ";

  private BearerToken() {}

  public static String of(HttpServerRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return header.substring(PREFIX.length()).trim();
    }
    return request.getParam("token");
  }
}

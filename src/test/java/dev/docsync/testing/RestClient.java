package dev.docsync.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Blocking REST calls to one node as curl would make them, with an optional bearer token. */
public final class RestClient {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final String base;
  private final String token;

  public RestClient(String base, String token) {
    this.base = base;
    this.token = token;
  }

  /** The same node with another token (null: none). */
  public RestClient withToken(String token) {
    return new RestClient(base, token);
  }

  public String url(String path) {
    return base + path;
  }

  public HttpResponse<String> get(String path) {
    return send(request(path).GET());
  }

  public HttpResponse<String> post(String path, byte[] body) {
    return send(request(path).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  public HttpResponse<String> delete(String path) {
    return send(request(path).DELETE());
  }

  /** POSTs {@code change} to /api/docs/{docId}/changes. */
  public HttpResponse<String> postChange(String docId, byte[] change) {
    return post("/api/docs/" + docId + "/changes", change);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path));
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

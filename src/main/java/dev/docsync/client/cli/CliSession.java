package dev.docsync.client.cli;

import dev.docsync.client.ClientOptions;
import dev.docsync.client.ConnectionStatus;
import dev.docsync.client.DocHandle;
import dev.docsync.client.DocsyncClient;
import dev.docsync.client.DocumentUnavailableException;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One command's connection: a {@link DocsyncClient} that must get online at the first attempt (a command does
 * not wait for a server that is down: it says so), and blocking helpers that turn failures into one line.
 */
final class CliSession implements AutoCloseable {
  /** A failure the user is told about in one line; exit status 1. */
  static final class Failure extends Exception {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  private final DocsyncClient client;
  private final Duration timeout;
  private final String server;

  private CliSession(DocsyncClient client, String server, Duration timeout) {
    this.client = client;
    this.server = server;
    this.timeout = timeout;
  }

  static CliSession open(String server, String token, Duration timeout) throws Failure {
    ClientOptions options;
    try {
      options = ClientOptions.of(server, token);
    } catch (IllegalArgumentException e) {
      throw new Failure(e.getMessage());
    }
    DocsyncClient client = DocsyncClient.connect(options);
    CompletableFuture<ConnectionStatus> first = new CompletableFuture<>();
    client.onStatus(s -> {
      if (s.state() != ConnectionStatus.State.CONNECTING) {
        first.complete(s);
      }
    });
    CliSession session = new CliSession(client, server, timeout);
    ConnectionStatus status;
    try {
      status = first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      session.close();
      throw new Failure("no answer from " + server + " within " + timeout.toSeconds() + " s");
    } catch (InterruptedException | ExecutionException e) {
      session.close();
      throw new Failure("interrupted");
    }
    if (status.state() == ConnectionStatus.State.REFUSED) {
      session.close();
      throw new Failure("token refused by " + server + ": " + status.reason());
    }
    if (status.state() == ConnectionStatus.State.OFFLINE) {
      session.close();
      throw new Failure(status.reason() + " (is docsync running there? --server or DOCSYNC_SERVER)");
    }
    return session;
  }

  DocsyncClient client() {
    return client;
  }

  DocHandle find(String doc) throws Failure {
    try {
      return await(client.find(doc), "opening " + doc);
    } catch (Failure e) {
      throw e;
    }
  }

  /** The document, or null when the server does not have it (other failures are thrown). */
  DocHandle findOrNull(String doc) throws Failure {
    try {
      return client.find(doc).toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof DocumentUnavailableException u && u.getMessage().startsWith("unknown document")) {
        return null;
      }
      throw failure(e.getCause(), "opening " + doc);
    } catch (TimeoutException e) {
      throw new Failure("no answer from " + server + " about " + doc + " within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      throw new Failure("interrupted");
    }
  }

  /** Waits until the server has every change made here. */
  void synced(DocHandle doc) throws Failure {
    await(doc.whenSynced(), "sending the change to " + server);
  }

  <T> T await(Future<T> future, String what) throws Failure {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw failure(e.getCause(), what);
    } catch (TimeoutException e) {
      throw new Failure("no answer from " + server + " (" + what + ") within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      throw new Failure("interrupted");
    }
  }

  private static Failure failure(Throwable cause, String what) {
    if (cause instanceof DocumentUnavailableException || cause instanceof IllegalArgumentException) {
      return new Failure(cause.getMessage());
    }
    return new Failure(what + " failed: " + cause.getMessage());
  }

  @Override
  public void close() {
    client.close();
  }
}

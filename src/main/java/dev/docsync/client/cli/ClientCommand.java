package dev.docsync.client.cli;

import dev.docsync.client.DocHandle;
import dev.docsync.client.JsonPaths;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.automerge.Document;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code client}: look at and change documents from a shell, through the Java client (automerge-repo protocol
 * over the server's WebSocket). Results go to standard output, one line each; failures to standard error in
 * one line, exit status 1; bad usage exit status 2.
 */
@Command(name = "client", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Reads and changes documents on a docsync server (or any automerge-repo sync server). "
        + "DOC is a document id or an automerge: URL.",
    subcommands = {ClientCommand.Cat.class, ClientCommand.Watch.class, ClientCommand.Put.class,
        ClientCommand.Export.class, ClientCommand.Import.class})
public final class ClientCommand implements Callable<Integer> {
  @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:DOCSYNC_SERVER:-http://localhost:8080}",
      description = "The server's HTTP address, or a ws:// URL (default: $DOCSYNC_SERVER, else ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:DOCSYNC_TOKEN}",
      description = "Token (JWT) to present (default: $DOCSYNC_TOKEN).")
  String token;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
      description = "How long to wait for the server (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  private final PrintStream out;
  private final PrintStream err;

  private ClientCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** The jar's {@code client} subcommand; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    quietLogging();
    return new CommandLine(new ClientCommand(out, err))
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  /** Standard output carries results only, and the client reports its own failures: no log lines. */
  public static void quietLogging() {
    System.setProperty("docsync.log.level", "off");
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }

  @Override
  public Integer call() {
    err.println("docsync client: a command is needed: cat, watch, put, export or import (client --help)");
    return 2;
  }

  private int session(Step step) {
    try (CliSession session = CliSession.open(server, token, Duration.ofSeconds(timeoutSeconds))) {
      return step.run(session);
    } catch (CliSession.Failure e) {
      err.println("docsync client: " + e.getMessage());
      return 1;
    }
  }

  private interface Step {
    int run(CliSession session) throws CliSession.Failure;
  }

  @Command(name = "cat", mixinStandardHelpOptions = true, description = "Prints the document as one line of JSON.")
  static final class Cat implements Callable<Integer> {
    @ParentCommand ClientCommand parent;
    @Parameters(paramLabel = "DOC") String doc;

    @Override
    public Integer call() {
      return parent.session(s -> {
        parent.out.println(s.find(doc).view().encode());
        return 0;
      });
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true,
      description = "Prints the document as one line of JSON, then again after every change, until interrupted.")
  static final class Watch implements Callable<Integer> {
    @ParentCommand ClientCommand parent;
    @Parameters(paramLabel = "DOC") String doc;

    @Override
    public Integer call() {
      return parent.session(s -> {
        DocHandle handle = s.find(doc);
        CountDownLatch refused = new CountDownLatch(1);
        String[] reason = new String[1];
        synchronized (parent.out) {
          handle.onChange(change -> {
            synchronized (parent.out) {
              parent.out.println(change.after().encode());
            }
          });
          parent.out.println(handle.view().encode());
        }
        s.client().onStatus(status -> {
          parent.err.println("docsync client: " + status);
          if (status.state() == dev.docsync.client.ConnectionStatus.State.REFUSED) {
            reason[0] = status.reason();
            refused.countDown();
          }
        });
        try {
          refused.await();
        } catch (InterruptedException e) {
          return 0;
        }
        throw new CliSession.Failure("token refused: " + reason[0]);
      });
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Sets the value at PATH (a key, or keys and list indexes: items/0/name) to JSON, and waits until "
          + "the server has it. Strings become Automerge text, as in automerge-repo JS apps.")
  static final class Put implements Callable<Integer> {
    @ParentCommand ClientCommand parent;
    @Parameters(index = "0", paramLabel = "DOC") String doc;
    @Parameters(index = "1", paramLabel = "PATH") String path;
    @Parameters(index = "2", paramLabel = "JSON") String json;
    @Option(names = "--create", description = "Create the document (under DOC's id) if the server does not have it.")
    boolean create;

    @Override
    public Integer call() {
      Object value;
      try {
        value = Json.decodeValue(json);
      } catch (DecodeException e) {
        parent.err.println("docsync client: put: JSON must be a JSON value (quote strings: '\"text\"'), got: " + json);
        return 2;
      }
      return parent.session(s -> {
        DocHandle handle = create ? s.findOrNull(doc) : s.find(doc);
        if (handle == null) {
          handle = s.client().create(doc);
        }
        try {
          handle.change(tx -> JsonPaths.put(tx, path, value));
        } catch (IllegalArgumentException e) {
          throw new CliSession.Failure("put: " + e.getMessage());
        }
        s.synced(handle);
        return 0;
      });
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Writes the document's Automerge bytes (save()) to FILE: a backup any Automerge can load.")
  static final class Export implements Callable<Integer> {
    @ParentCommand ClientCommand parent;
    @Parameters(index = "0", paramLabel = "DOC") String doc;
    @Parameters(index = "1", paramLabel = "FILE") Path file;

    @Override
    public Integer call() {
      return parent.session(s -> {
        byte[] bytes = s.find(doc).save();
        try {
          Files.write(file, bytes);
        } catch (IOException e) {
          throw new CliSession.Failure("cannot write " + file + ": " + e.getMessage());
        }
        parent.err.println("docsync client: wrote " + bytes.length + " bytes to " + file);
        return 0;
      });
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = "Loads Automerge bytes from FILE into DOC (merged with what it holds; created if new), or into a "
          + "new document whose id it prints.")
  static final class Import implements Callable<Integer> {
    @ParentCommand ClientCommand parent;
    @Parameters(index = "0", paramLabel = "FILE") Path file;
    @Parameters(index = "1", paramLabel = "DOC", arity = "0..1") String doc;

    @Override
    public Integer call() {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
        Document.load(bytes).free();
      } catch (IOException e) {
        parent.err.println("docsync client: cannot read " + file + ": " + e.getMessage());
        return 1;
      } catch (RuntimeException e) {
        parent.err.println("docsync client: " + file + " is not an Automerge document: " + e.getMessage());
        return 1;
      }
      return parent.session(s -> {
        DocHandle handle = doc == null ? null : s.findOrNull(doc);
        if (handle == null) {
          handle = doc == null ? s.client().create() : s.client().create(doc);
        }
        handle.merge(bytes);
        s.synced(handle);
        parent.out.println(handle.documentId());
        return 0;
      });
    }
  }
}

package dev.docsync.client.tui;

import dev.docsync.client.ClientOptions;
import dev.docsync.client.DocHandle;
import dev.docsync.client.DocsyncClient;
import dev.docsync.client.DocumentUnavailableException;
import dev.docsync.client.cli.ClientCommand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edit DOC}: the collaborative terminal editor of a document's {@code text} field. */
@Command(name = "edit", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Edits the document's text field together with others (browsers, other terminals): their cursors "
        + "in their colours, who is there, online or offline. Keeps working offline and merges on reconnect. "
        + "Ctrl-X (or Esc) quits.")
public final class EditCommand implements Callable<Integer> {
  private static final Pattern COLOR = Pattern.compile("#[0-9a-fA-F]{6}");

  @Parameters(paramLabel = "DOC", description = "A document id or automerge: URL.")
  String doc;

  @Option(names = "--name", paramLabel = "NAME", defaultValue = "${env:USER:-anonymous}", description = "Your name, as others see it.")
  String name;

  @Option(names = "--color", paramLabel = "#RRGGBB", defaultValue = "#4ECDC4", description = "Your colour (default: ${DEFAULT-VALUE}).")
  String color;

  @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:DOCSYNC_SERVER:-http://localhost:8080}",
      description = "The server's HTTP address, or a ws:// URL (default: $DOCSYNC_SERVER, else ${DEFAULT-VALUE}).")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:DOCSYNC_TOKEN}", description = "Token (default: $DOCSYNC_TOKEN).")
  String token;

  @Option(names = "--storage", paramLabel = "DIR",
      description = "Keep the document here too: open it offline, and resume with little traffic.")
  Path storage;

  @Option(names = "--create", description = "Create the document if the server does not have it.")
  boolean create;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "How long to wait for the document when it is not stored here (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  private final PrintStream err;

  private EditCommand(PrintStream err) {
    this.err = err;
  }

  public static int run(String[] args, PrintStream out, PrintStream err) {
    ClientCommand.quietLogging(); // log lines would scribble over the screen
    return new CommandLine(new EditCommand(err)).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
  }

  @Override
  public Integer call() throws Exception {
    if (!COLOR.matcher(color).matches()) {
      err.println("docsync edit: --color must look like #FF6B6B, got " + color);
      return 2;
    }
    ClientOptions options;
    try {
      options = ClientOptions.of(server, token);
    } catch (IllegalArgumentException e) {
      err.println("docsync edit: " + e.getMessage());
      return 2;
    }
    try (DocsyncClient client = DocsyncClient.connect(storage == null ? options : options.withStorage(storage))) {
      DocHandle handle = open(client);
      if (handle == null) {
        return 1;
      }
      new TerminalEditor(client, handle, name, color.toUpperCase(java.util.Locale.ROOT)).run();
      return 0;
    }
  }

  private DocHandle open(DocsyncClient client) throws InterruptedException {
    try {
      return client.find(doc).toCompletionStage().toCompletableFuture().get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (create && cause instanceof DocumentUnavailableException u && u.getMessage().startsWith("unknown document")) {
        return client.create(doc);
      }
      err.println("docsync edit: " + cause.getMessage());
    } catch (TimeoutException e) {
      err.println("docsync edit: " + doc + " is not stored here and " + server + " did not send it within " + timeoutSeconds
          + " s (" + client.status() + ")");
    }
    return null;
  }
}

package dev.docsync;

import dev.docsync.config.ConfigLoader;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;

/** {@code --help}: the subcommands and every DOCSYNC_* setting with its default, from config/docsync.json. */
final class Usage {
  private Usage() {}

  static int print(PrintStream out) {
    String jar = StartupBanner.command();
    out.println("docsync " + StartupBanner.version() + ": a sync server for Automerge documents\n");
    out.println("Usage:");
    out.println("  " + jar + "                 run the server (settings below, from the environment)");
    out.println("  " + jar + " token [options] print a token signed with the server's key (see: token --help)");
    out.println("  " + jar + " unpack          unpack the embedded PostgreSQL into java.io.tmpdir once (container images)");
    out.println("  " + jar + " client COMMAND  read and change documents: cat, watch, put, export, import (see: client --help)");
    out.println("  " + jar + " edit DOC        edit a document's text with others, in the terminal (see: edit --help)");
    out.println("  " + jar + " --help          this text\n");
    out.println("Settings (environment variables; defaults in brackets):");
    JsonObject settings = ConfigLoader.settings();
    for (String key : settings.fieldNames()) {
      JsonObject setting = settings.getJsonObject(key);
      Object value = setting.getValue("default");
      out.println("  " + key + " [" + (value == null || value.toString().isEmpty() ? "" : value) + "]");
      out.println(wrap(setting.getString("doc"), "      ", 100));
    }
    return 0;
  }

  private static String wrap(String text, String indent, int width) {
    StringBuilder out = new StringBuilder(indent);
    int column = indent.length();
    for (String word : text.split(" ")) {
      if (column + word.length() + 1 > width && column > indent.length()) {
        out.append('\n').append(indent);
        column = indent.length();
      } else if (column > indent.length()) {
        out.append(' ');
        column++;
      }
      out.append(word);
      column += word.length();
    }
    return out.toString();
  }
}

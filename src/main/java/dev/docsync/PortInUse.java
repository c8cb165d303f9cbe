package dev.docsync;

import java.net.BindException;

/** Turns "Address already in use" into a line that names the port and the setting that moves it. */
final class PortInUse {
  private PortInUse() {}

  static Throwable explain(Throwable failure, String what, String host, int port, String setting) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return new IllegalStateException(what + " port " + port + " on " + host + " is already in use ("
            + t.getMessage() + "): stop what holds it, or set " + setting + " to another port", failure);
      }
    }
    return failure;
  }
}

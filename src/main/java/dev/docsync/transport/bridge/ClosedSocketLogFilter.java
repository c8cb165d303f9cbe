package dev.docsync.transport.bridge;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops the ERROR line ("SockJSSocket exception", HttpClosedException) that Vert.x's SockJS bridge logs
 * whenever a client simply goes away: a normal event, already seen by the bridge's close handling.
 * Installed on the appenders by logback.xml.
 */
public final class ClosedSocketLogFilter extends Filter<ILoggingEvent> {
  private static final String BRIDGE_LOGGER = "io.vertx.ext.web.handler.sockjs.impl.EventBusBridgeImpl";
  private static final String CLOSED = "io.vertx.core.http.HttpClosedException";

  @Override
  public FilterReply decide(ILoggingEvent event) {
    IThrowableProxy thrown = event.getThrowableProxy();
    boolean clientLeft = thrown != null && CLOSED.equals(thrown.getClassName()) && BRIDGE_LOGGER.equals(event.getLoggerName());
    return clientLeft ? FilterReply.DENY : FilterReply.NEUTRAL;
  }
}

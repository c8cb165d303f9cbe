package dev.docsync.transport.bridge;

import dev.docsync.chat.ChatAddresses;
import dev.docsync.presence.PresenceAddresses;
import dev.docsync.protocol.Addresses;
import dev.docsync.protocol.DocsyncException;
import dev.docsync.protocol.ErrorCode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What bridged clients may do, and nothing else: send the frontend, presence and chat requests
 * (each permitted request type listed, so other types never reach the server), and receive the
 * change, presence and chat events of documents (plus server events when allowed). The peer API,
 * peer outboxes and every internal address stay closed: a refused send or register gets
 * {@code access_denied}.
 */
final class BridgePermissions {
  /** Same rule as protocol.DocId: a registration for anything else is refused by the bridge itself. */
  static final String DOC_ID_REGEX = "[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}";

  private static final List<String> FRONTEND_TYPES = List.of("OPEN", "READ", "LOCAL_CHANGE", "CLOSE");
  private static final List<String> PRESENCE_TYPES = List.of("UPDATE", "HEARTBEAT", "LEAVE", "LIST");
  private static final List<String> CHAT_TYPES = List.of("SEND", "HISTORY");

  private BridgePermissions() {}

  static <T extends BridgeOptions> T apply(T options, boolean eventsOutbound) {
    FRONTEND_TYPES.forEach(type -> options.addInboundPermitted(request(Addresses.FRONTEND, type)));
    PRESENCE_TYPES.forEach(type -> options.addInboundPermitted(request(PresenceAddresses.REQUESTS, type)));
    CHAT_TYPES.forEach(type -> options.addInboundPermitted(request(ChatAddresses.REQUESTS, type)));
    options.addOutboundPermitted(perDocument(Addresses.changes("")));
    options.addOutboundPermitted(perDocument(PresenceAddresses.events("")));
    options.addOutboundPermitted(perDocument(ChatAddresses.events("")));
    if (eventsOutbound) {
      options.addOutboundPermitted(new PermittedOptions().setAddress(Addresses.EVENTS));
    }
    return options;
  }

  /**
   * The type part of the inbound permissions, checked in docsync's hook on both bridges (the TCP bridge
   * applies no {@code match}; the SockJS one would refuse with a bare access_denied): why a request to one
   * of the three request addresses cannot be handled, as the service itself would answer, or null.
   * Addresses other than the three request addresses are left to the bridge.
   */
  static DocsyncException typeProblem(String address, Object body) {
    List<String> types = Addresses.FRONTEND.equals(address) ? FRONTEND_TYPES
        : PresenceAddresses.REQUESTS.equals(address) ? PRESENCE_TYPES
        : ChatAddresses.REQUESTS.equals(address) ? CHAT_TYPES
        : null;
    if (types == null) {
      return null;
    }
    if (!(body instanceof JsonObject json)) {
      return new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "the body of a request to " + address + " must be a JSON object");
    }
    if (!(json.getValue("type") instanceof String type)) {
      return new DocsyncException(ErrorCode.MALFORMED_MESSAGE, "field 'type' missing or not a string (expected one of "
          + String.join(", ", types) + ")");
    }
    return types.contains(type) ? null : new DocsyncException(ErrorCode.UNKNOWN_TYPE, "unknown message type '"
        + (type.length() > 32 ? type.substring(0, 32) + "…" : type) + "' on " + address + " (expected one of " + String.join(", ", types) + ")");
  }

  /**
   * Whether the bridges can handle the frame's {@code headers} and {@code replyAddress} without throwing:
   * both bridges cast and copy them after docsync's hook, and throw on a headers value that is not an
   * object, a header that is null, not a string or has control characters (HTTP header rules), a
   * {@code timeout} below 1, a {@code codecName} that is not registered, a replyAddress that is not a
   * string. A throw there loses the frame silently (SockJS) or, on the TCP bridge, its parser's place in
   * the stream (the socket then hangs). Headers are the token ({@code authorization}) and strings only;
   * {@code localOnly} and {@code codecName} are not for clients.
   */
  static boolean wellFormed(JsonObject raw) {
    if (raw == null) {
      return true;
    }
    Object replyAddress = raw.getValue("replyAddress");
    if (replyAddress != null && !(replyAddress instanceof String)) {
      return false;
    }
    Object headers = raw.getValue("headers");
    if (headers == null) {
      return true;
    }
    if (!(headers instanceof JsonObject json)) {
      return false;
    }
    for (String name : json.fieldNames()) {
      Object value = json.getValue(name);
      boolean ok = "timeout".equals(name) ? value instanceof Number n && n.longValue() >= 1 && n.doubleValue() == n.longValue()
          : !"localOnly".equals(name) && !"codecName".equals(name) && HEADER_NAME.matcher(name).matches()
              && value instanceof String s && printable(s);
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}");

  private static boolean printable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 && c != '\t' || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static PermittedOptions request(String address, String type) {
    return new PermittedOptions().setAddress(address).setMatch(new JsonObject().put("type", type));
  }

  private static PermittedOptions perDocument(String prefix) {
    return new PermittedOptions().setAddressRegex(Pattern.quote(prefix) + DOC_ID_REGEX);
  }
}

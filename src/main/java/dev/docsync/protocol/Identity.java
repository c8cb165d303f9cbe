package dev.docsync.protocol;

import io.vertx.core.MultiMap;

/**
 * Who speaks, the same way on every transport: the subject ({@code sub}) of the token the client
 * presented. The bridges stamp it on every request they pass on ({@link #SUBJECT_HEADER}, replacing
 * whatever the client put there), the /sync relay carries it with every ephemeral message, and services
 * own what a request creates by it: a presence participant is (subject, participantId), so no one
 * updates or removes another subject's participant whatever id they pick. Over the bridges an id a
 * client names (presence participantId, chat author) must also be its subject or {@code subject/…}.
 * With authentication off every client is {@link #ANONYMOUS}, and so is in-JVM code that sets no header.
 */
public final class Identity {
  /** The token subject of a request from outside the JVM; set by the bridges only. */
  public static final String SUBJECT_HEADER = "docsync-subject";
  /** The frontend that OPENs and CLOSEs (one per bridge socket): a CLOSE undoes only an OPEN of its own opener. */
  public static final String OPENER_HEADER = "docsync-opener";
  /** The subject of every client of a node without authentication, and of in-JVM code that names none. */
  public static final String ANONYMOUS = "anonymous";
  /** The opener of in-JVM frontends that name none: they share one count, as they always did. */
  public static final String IN_JVM_OPENER = "";

  private Identity() {}

  /** Whether {@code subject} may speak as {@code id}: its own subject, or {@code subject/anything} (e.g. one id per tab). */
  public static boolean speaksFor(String subject, Object id) {
    return subject != null && id instanceof String s && (s.equals(subject) || s.startsWith(subject + "/"));
  }

  /** The subject a request speaks for. */
  public static String subject(MultiMap headers) {
    String subject = headers == null ? null : headers.get(SUBJECT_HEADER);
    return subject == null ? ANONYMOUS : subject;
  }

  /** The opener a frontend request comes from. */
  public static String opener(MultiMap headers) {
    String opener = headers == null ? null : headers.get(OPENER_HEADER);
    return opener == null ? IN_JVM_OPENER : opener;
  }
}

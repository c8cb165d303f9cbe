package dev.docsync.cluster;

import java.util.Locale;

/** What a member does in the cluster, published as its Hazelcast member attribute {@value #ATTRIBUTE}. */
public enum Role {
  /** A docsync server node: documents are placed on it. */
  OWNER,
  /** A JVM that uses the clustered event bus (an application's client) and owns no documents. */
  CLIENT;

  /** Name of the Hazelcast member attribute that carries the role. */
  public static final String ATTRIBUTE = "docsync.role";

  /** The attribute's value: {@code owner} or {@code client}. */
  public String attribute() {
    return name().toLowerCase(Locale.ROOT);
  }
}

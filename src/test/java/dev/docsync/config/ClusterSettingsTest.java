package dev.docsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.docsync.cluster.ClusterSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DOCSYNC_CLUSTER_*: strict like every setting, and a cluster refuses what its nodes cannot share. */
class ClusterSettingsTest {
  private static final String PG = "postgresql://postgres@127.0.0.1:5432/test";
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  private static DocsyncConfig with(String... keyValues) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      env.put(keyValues[i], keyValues[i + 1]);
    }
    return DocsyncConfig.from(ConfigLoader.fromEnvironment(env));
  }

  /** Enabled, with what a cluster needs, plus the given settings. */
  private static ClusterSettings cluster(String... keyValues) {
    String[] all = new String[keyValues.length + 6];
    System.arraycopy(new String[] {"DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_PG_URL", PG, "DOCSYNC_JWT_SECRET", SECRET}, 0, all, 0, 6);
    System.arraycopy(keyValues, 0, all, 6, keyValues.length);
    return with(all).cluster();
  }

  @Test
  void defaultsAreALoopbackNodeAloneAndOff() {
    ClusterSettings defaults = with().cluster();
    assertThat(defaults).isEqualTo(new ClusterSettings(false, "127.0.0.1", 5701, List.of("127.0.0.1:5701"), "docsync", 0));
  }

  @Test
  void membersAreHostPortPairs() {
    assertThat(cluster("DOCSYNC_CLUSTER_MEMBERS", " 10.0.0.1:5701, node-2:5702 ,[::1]:5703").members())
        .containsExactly("10.0.0.1:5701", "node-2:5702", "[::1]:5703");
    assertThat(cluster("DOCSYNC_CLUSTER_HOST", "10.0.0.7", "DOCSYNC_CLUSTER_PORT", "6000").members())
        .as("no list: this node alone, which others may join").containsExactly("10.0.0.7:6000");
    for (String bad : List.of("10.0.0.1", "10.0.0.1:", ":5701", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:5701-5703",
        "10.0.0.1:x", "127.0.0.1:5701;127.0.0.1:5702")) {
      assertThatThrownBy(() -> cluster("DOCSYNC_CLUSTER_MEMBERS", "127.0.0.1:5701," + bad)).as(bad)
          .isInstanceOf(InvalidSettingException.class)
          .hasMessageStartingWith("DOCSYNC_CLUSTER_MEMBERS=")
          .hasMessageContaining("host:port");
    }
  }

  @Test
  void otherSettingsAreCheckedLikeTheRest() {
    assertThatThrownBy(() -> cluster("DOCSYNC_CLUSTER_PORT", "0")).hasMessageContaining("DOCSYNC_CLUSTER_PORT");
    assertThatThrownBy(() -> cluster("DOCSYNC_CLUSTER_BUS_PORT", "70000")).hasMessageContaining("DOCSYNC_CLUSTER_BUS_PORT");
    assertThatThrownBy(() -> cluster("DOCSYNC_CLUSTER_NAME", " ")).hasMessageContaining("DOCSYNC_CLUSTER_NAME");
    assertThatThrownBy(() -> with("DOCSYNC_CLUSTER_ENABLED", "cluster")).hasMessageContaining("true or false");
    // The other members are told this address: a wildcard would send them nowhere.
    assertThatThrownBy(() -> cluster("DOCSYNC_CLUSTER_HOST", "0.0.0.0")).hasMessageStartingWith("DOCSYNC_CLUSTER_HOST=");
    assertThat(cluster("DOCSYNC_CLUSTER_NAME", "eu-1", "DOCSYNC_CLUSTER_BUS_PORT", "5801"))
        .extracting(ClusterSettings::name, ClusterSettings::busPort).containsExactly("eu-1", 5801);
  }

  @Test
  void aClusterNeedsASharedDatabase() {
    assertThatThrownBy(() -> with("DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_JWT_SECRET", SECRET))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("DOCSYNC_PG_URL must be set in a cluster");
  }

  @Test
  void aClusterWithAuthenticationNeedsSharedTokenKeys() {
    assertThatThrownBy(() -> with("DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_PG_URL", PG))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("DOCSYNC_JWT_SECRET (or DOCSYNC_JWT_PUBLIC_KEY) must be set");
    assertThat(with("DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_PG_URL", PG, "DOCSYNC_JWT_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----")
        .cluster().enabled()).isTrue();
    assertThat(with("DOCSYNC_CLUSTER_ENABLED", "true", "DOCSYNC_PG_URL", PG, "DOCSYNC_AUTH_ENABLED", "false")
        .cluster().enabled()).as("no tokens at all").isTrue();
    assertThat(with("DOCSYNC_PG_URL", PG).cluster().enabled()).as("alone: the development key is fine").isFalse();
  }
}

package dev.docsync.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The members named in the settings and nobody else, found and lost within seconds. */
class HazelcastConfigsTest {
  private static final ClusterSettings SETTINGS =
      new ClusterSettings(true, "127.0.0.1", 5801, List.of("127.0.0.1:5801", "127.0.0.1:5802"), "eu-1", 0);

  @Test
  void joinsExactlyTheListedMembersOverTcp() {
    Config config = DocsyncCluster.hazelcastConfig(SETTINGS, Role.OWNER);
    assertThat(config.getClusterName()).isEqualTo("eu-1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(config.getNetworkConfig().isPortAutoIncrement()).as("a taken port is an error, not another port").isFalse();
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
  }

  @Test
  void bindsTheHostOnlyDetectsFailuresFastAndPhonesNobody() {
    Config config = DocsyncCluster.hazelcastConfig(SETTINGS, Role.OWNER);
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.wait.seconds.before.join")).isEqualTo("0");
    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
    assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
  }

  @Test
  void declaresTheStructuresVertxKeepsThere() {
    Config config = DocsyncCluster.hazelcastConfig(SETTINGS, Role.OWNER);
    assertThat(config.getMultiMapConfigs().get("__vertx.subs").getValueCollectionType())
        .isEqualTo(MultiMapConfig.ValueCollectionType.SET);
    assertThat(config.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
  }

  @Test
  void publishesTheRoleAndClientsHoldNoData() {
    Config owner = DocsyncCluster.hazelcastConfig(SETTINGS, Role.OWNER);
    Config client = DocsyncCluster.hazelcastConfig(SETTINGS, Role.CLIENT);
    assertThat(owner.getMemberAttributeConfig().getAttribute("docsync.role")).isEqualTo("owner");
    assertThat(client.getMemberAttributeConfig().getAttribute("docsync.role")).isEqualTo("client");
    assertThat(owner.isLiteMember()).isFalse();
    assertThat(client.isLiteMember()).isTrue();
  }

  @Test
  void anUnknownHostNamesTheSetting() {
    ClusterSettings unknown = new ClusterSettings(true, "no-such-host.invalid", 5801, List.of("127.0.0.1:5801"), "x", 0);
    assertThatThrownBy(() -> DocsyncCluster.hazelcastConfig(unknown, Role.OWNER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("DOCSYNC_CLUSTER_HOST='no-such-host.invalid'");
    assertThat(DocsyncCluster.join(unknown, Role.CLIENT).failed()).isTrue();
  }
}

package dev.docsync.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real Hazelcast on loopback, three Vert.x instances in this JVM joined through {@link DocsyncCluster}: two document
 * owners and one client-only member (an application's JVM).
 */
class ClusterMembershipTest {
  private final List<Vertx> started = new ArrayList<>();

  @AfterEach
  void leave() {
    for (Vertx vertx : started) {
      try {
        Await.result(vertx.close());
      } catch (RuntimeException alreadyClosed) {
        // closed by the test
      }
    }
  }

  @Test
  void ownersAndClientsSeeOneAnotherAndALeaverIsGoneWithinSeconds() throws Exception {
    String name = "membership-" + UUID.randomUUID(); // no other test's members join this cluster
    int portA = freePort();
    int portB = freePort();
    List<String> owners = List.of("127.0.0.1:" + portA, "127.0.0.1:" + portB);
    long t0 = System.nanoTime();
    // Started together, as the nodes of a cluster often are; the client joins through the owners' addresses.
    Future<Vertx> joiningA = join(name, portA, owners, Role.OWNER);
    Future<Vertx> joiningB = join(name, portB, owners, Role.OWNER);
    Vertx a = Await.result(joiningA);
    Vertx b = Await.result(joiningB);
    Vertx client = Await.result(join(name, freePort(), owners, Role.CLIENT));
    Membership ofA = Membership.of(a);
    Membership ofB = Membership.of(b);
    Membership ofClient = Membership.of(client);

    assertThat(ofA.clustered()).isTrue();
    assertThat(ofA.nodeId()).isEqualTo(((VertxInternal) a).clusterManager().getNodeId());
    List<String> ownerIds = sorted(ofA.nodeId(), ofB.nodeId());
    List<String> everyone = sorted(ofA.nodeId(), ofB.nodeId(), ofClient.nodeId());
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (Membership m : List.of(ofA, ofB, ofClient)) {
        assertThat(m.documentOwners()).as("owners seen by %s", m.nodeId()).isEqualTo(ownerIds);
        assertThat(m.members()).as("members seen by %s", m.nodeId()).isEqualTo(everyone);
      }
    });
    System.out.printf("[cluster] 2 owners and a client agree on the members %d ms after the joins began%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

    // The clustered event bus carries requests between the members (each told the others its own address).
    String address = "test.echo." + name;
    Await.result(a.eventBus().<String>consumer(address, m -> m.reply(m.body() + " from A")).completion());
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
        Await.result(client.eventBus().<String>request(address, "ping").map(m -> m.body())).equals("ping from A"));

    // Listeners run on the context they were registered from (an owner's event loop, as the router's would).
    Context context = a.getOrCreateContext();
    CompletableFuture<Boolean> calledOnItsContext = new CompletableFuture<>();
    Promise<Void> registered = Promise.promise();
    context.runOnContext(v -> {
      ofA.onChange(() -> calledOnItsContext.complete(Vertx.currentContext() == context));
      registered.complete();
    });
    Await.result(registered.future());

    long leaving = System.nanoTime();
    Await.result(b.close());
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(ofA.documentOwners()).containsExactly(ofA.nodeId());
      assertThat(ofClient.documentOwners()).containsExactly(ofA.nodeId());
      assertThat(ofClient.members()).isEqualTo(sorted(ofA.nodeId(), ofClient.nodeId()));
    });
    System.out.printf("[cluster] the others saw the owner leave within %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - leaving));
    assertThat(calledOnItsContext.get(5, TimeUnit.SECONDS)).isTrue();
    ofA.close();
    ofB.close();
    ofClient.close();
  }

  @Test
  void aClientWithNoServerToJoinSaysSo() throws Exception {
    int port = freePort();
    Throwable failure = Await.failure(join("alone-" + UUID.randomUUID(), port, List.of("127.0.0.1:" + port), Role.CLIENT));
    assertThat(failure).hasMessageStartingWith("no docsync node answered at 127.0.0.1:" + port);
  }

  @Test
  void aVertxThatIsNotClusteredIsANodeAloneThatOwnsEverything() {
    Vertx vertx = Vertx.vertx();
    started.add(vertx);
    Membership alone = Membership.of(vertx);
    assertThat(alone.clustered()).isFalse();
    assertThat(alone.documentOwners()).containsExactly(alone.nodeId());
    assertThat(alone.members()).containsExactly(alone.nodeId());
  }

  private Future<Vertx> join(String name, int port, List<String> members, Role role) {
    return DocsyncCluster.join(new ClusterSettings(true, "127.0.0.1", port, members, name, 0), role)
        .onSuccess(started::add);
  }

  private static List<String> sorted(String... ids) {
    return java.util.Arrays.stream(ids).sorted().toList();
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    }
  }
}

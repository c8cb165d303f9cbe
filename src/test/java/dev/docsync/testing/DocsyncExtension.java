package dev.docsync.testing;

import dev.docsync.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * "docsync nodes plus clients" for a JUnit 5 test: one fresh database, N nodes on it (each a whole
 * {@link dev.docsync.DocsyncVerticle} on its own Vert.x, HTTP on a free port, authentication on with
 * {@link Tokens#SECRET}), and one Vert.x for the clients. PostgreSQL is DOCSYNC_TEST_PG_URL's server
 * when set, else the embedded one ({@link TestDatabases}).
 *
 * <pre>
 * &#64;RegisterExtension static final DocsyncExtension docsync = DocsyncExtension.oneNode().with("DOCSYNC_...", 5);
 * &#64;RegisterExtension final DocsyncExtension cluster = DocsyncExtension.nodes(2);   // fresh for every test
 *
 * docsync.service().syncPeer("alice"); cluster.node(1).rest().get("/health"); cluster.startNode();
 * </pre>
 *
 * In a static field the nodes live for the class: clients made in a test, and nodes a test started
 * itself, are closed after it (those made in {@code @BeforeAll} live on). In an instance field
 * everything, the database too, is made anew for every test. Test methods may take the first node as a
 * {@link TestService} parameter. With {@code @ExtendWith(VertxExtension.class)} (vertx-junit5) on the
 * class they may also take a {@code VertxTestContext} for asynchronous checks; {@link #vertx} makes the
 * nodes' Vert.x (a clustered one, say).
 */
public final class DocsyncExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    ParameterResolver {
  private final int declaredNodes;
  /** Nodes running when the test started (declared, or started in {@code @BeforeAll}): they outlive it. */
  private int nodesBeforeTest;
  private final JsonObject settings = Tokens.authOn();
  private final List<TestService> nodes = new ArrayList<>();
  private Supplier<Future<Vertx>> vertxFactory = TestService::plainVertx;
  private String pgUrl;
  private Vertx clients;
  private boolean perClass;

  private DocsyncExtension(int nodes) {
    this.declaredNodes = nodes;
  }

  /** One node. */
  public static DocsyncExtension oneNode() {
    return new DocsyncExtension(1);
  }

  /** {@code count} nodes on one database. */
  public static DocsyncExtension nodes(int count) {
    return new DocsyncExtension(count);
  }

  /** A setting (DOCSYNC_* key) of every node. */
  public DocsyncExtension with(String key, Object value) {
    settings.put(key, value);
    return this;
  }

  /** Settings of every node. */
  public DocsyncExtension with(JsonObject more) {
    settings.mergeIn(more);
    return this;
  }

  /** Each node's Vert.x from {@code factory} (e.g. a clustered one) instead of {@code Vertx.vertx()}. */
  public DocsyncExtension vertx(Supplier<Future<Vertx>> factory) {
    this.vertxFactory = factory;
    return this;
  }

  /** Without authentication: every client may do anything. */
  public DocsyncExtension authOff() {
    settings.put("DOCSYNC_AUTH_ENABLED", false).remove("DOCSYNC_JWT_SECRET");
    return this;
  }

  // ---- for tests ----

  /** The first node. */
  public TestService service() {
    return node(0);
  }

  public synchronized TestService node(int index) {
    if (index >= nodes.size()) {
      throw new IllegalStateException("node " + index + " is not running (" + nodes.size() + " are)");
    }
    return nodes.get(index);
  }

  /** The nodes running now, in the order they started. */
  public synchronized List<TestService> running() {
    return List.copyOf(nodes);
  }

  /** Starts one more node on the same database, with the common settings. */
  public TestService startNode() {
    return startNode(new JsonObject());
  }

  /** Starts one more node on the same database, with {@code more} on top of the common settings. */
  public TestService startNode(JsonObject more) {
    TestService node = TestService.startOn(pgUrl, settings.copy().mergeIn(more), clients, vertxFactory);
    synchronized (this) {
      nodes.add(node);
    }
    return node;
  }

  /** Stops a node and forgets it (the database and the other nodes stay). */
  public synchronized void stopNode(TestService node) {
    if (nodes.remove(node)) {
      node.close();
    }
  }

  public String pgUrl() {
    return pgUrl;
  }

  /** The Vert.x the clients of every node run on. */
  public Vertx clients() {
    return clients;
  }

  // ---- JUnit ----

  @Override
  public void beforeAll(ExtensionContext context) {
    perClass = true;
    startAll();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (!perClass) {
      startAll();
    }
    List<TestService> running = running();
    nodesBeforeTest = running.size();
    running.forEach(TestService::markTestStart);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stopAll();
      return;
    }
    List<TestService> extra;
    synchronized (this) {
      extra = new ArrayList<>(nodes.subList(Math.min(nodesBeforeTest, nodes.size()), nodes.size()));
    }
    extra.forEach(this::stopNode);
    running().forEach(TestService::closeTestClients);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (perClass) {
      stopAll();
    }
  }

  private void startAll() {
    pgUrl = TestDatabases.freshDatabaseUrl();
    clients = Vertx.vertx();
    try {
      for (int i = 0; i < declaredNodes; i++) {
        startNode();
      }
    } catch (RuntimeException e) {
      stopAll();
      throw e;
    }
  }

  private void stopAll() {
    List<TestService> running;
    synchronized (this) {
      running = new ArrayList<>(nodes);
      nodes.clear();
    }
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (RuntimeException e) {
        System.err.println("stopping a test node failed: " + e);
      }
    }
    if (clients != null) {
      Await.result(clients.close());
      clients = null;
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestService.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return service();
  }
}

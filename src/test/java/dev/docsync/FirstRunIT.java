package dev.docsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.docsync.testing.Changes;
import dev.docsync.testing.JarProcess;
import dev.docsync.testing.ReadmeSnippets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A new user's first run, on the built jar: {@code java -jar target/docsync.jar} with nothing set but the port and
 * the data directory — authentication on, no key, the embedded PostgreSQL — then the README's token command and
 * its client snippets, exactly as written there. Also what a user gets wrong: misspelt settings, a taken port.
 */
class FirstRunIT {
  private static final Duration START = Duration.ofSeconds(90);
  private static final Path WORK = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();

  private final HttpClient http = HttpClient.newHttpClient();
  private Path workDir;
  private Path dataDir;
  private int port;

  @BeforeEach
  void freshDirectory() throws Exception {
    Files.createDirectories(WORK);
    workDir = Files.createTempDirectory(WORK, "first-run-");
    dataDir = workDir.resolve("data");
    port = freePort();
  }

  @Test
  void aNewUserStartsItMintsATokenAndSyncsTwoAutomergeRepoClients() throws Exception {
    try (JarProcess server = JarProcess.start(workDir, env())) {
      server.awaitHealthy(port, START);
      String log = server.output();
      System.out.println("[first-run] the log a new user sees:\n" + log);
      assertThat(log).contains("ready in", "ws://localhost:" + port + "/sync", "embedded PostgreSQL in " + dataDir,
          "Auth        on", "DEVELOPMENT key", "token --sub");
      Path key = dataDir.resolve("docsync-jwt-secret");
      assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

      assertThat(get("notes-1", null).statusCode()).as("no token, no document").isEqualTo(401);
      String token = mint("--sub", "ada", "--read", "*", "--write", "notes-*", "--ttl", "1h");
      assertThat(get("notes-1", token).statusCode()).isEqualTo(200);
      assertThat(post("notes-1", token).statusCode()).isEqualTo(200);
      assertThat(post("other-1", token).statusCode()).as("outside the token's write patterns").isEqualTo(403);
      assertThat(get("notes-1", unsigned(Files.readString(key).trim())).statusCode())
          .as("a token without exp, even correctly signed").isEqualTo(401);

      syncTwoReadmeClients(mint("--sub", "ada", "--read", "*", "--write", "*"));

      assertThat(server.stop()).as("exit status of a SIGTERM").isIn(0, 143);
      assertThat(server.output()).contains("docsync stopping", "docsync stopped");
      assertThat(postmasterRunning()).as("embedded PostgreSQL stopped with the node").isFalse();
    }
  }

  /** README's writer.mjs creates a document; reader.mjs, given its URL, sees it and its later changes. */
  private void syncTwoReadmeClients(String token) throws Exception {
    Map<String, String> clientEnv = Map.of("DOCSYNC_TOKEN", token, "DOCSYNC_URL", "ws://localhost:" + port + "/sync",
        "DOCSYNC_EVENTBUS", "http://localhost:" + port + "/eventbus");
    try (ReadmeSnippets.Running writer = new ReadmeSnippets.Running(ReadmeSnippets.write("writer.mjs"), clientEnv)) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(writer.lines()).as("writer.mjs output").anyMatch(l -> l.startsWith("created automerge:")));
      String url = writer.lines().stream().filter(l -> l.startsWith("created ")).findFirst().orElseThrow().substring(8);
      try (ReadmeSnippets.Running reader = new ReadmeSnippets.Running(ReadmeSnippets.write("reader.mjs"), clientEnv, url)) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(reader.lines()).as("reader output").anyMatch(l -> l.matches("hello( \\d+){3,}")));
      }
      // The same document over REST, by its automerge: URL.
      HttpResponse<String> rest = get(url, token);
      assertThat(rest.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(rest.body()).getJsonObject("view").getString("text")).startsWith("hello 1");
      String docId = url.substring("automerge:".length());
      try (ReadmeSnippets.Running chat = new ReadmeSnippets.Running(ReadmeSnippets.write("chat.mjs"), clientEnv, docId)) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(chat.lines()).as("chat.mjs output").anyMatch(l -> l.startsWith("stored as #"))
                .anyMatch(l -> l.equals("chat ada Hello")).contains("presence sent"));
      }
    }
  }

  @Test
  void booleansAreStrictAndNothingButFalseTurnsAuthenticationOff() throws Exception {
    for (String value : new String[] {"treu", "flase", "2"}) {
      JarProcess.Result refused = JarProcess.run(workDir, env("DOCSYNC_AUTH_ENABLED", value));
      assertThat(refused.exitCode()).as("exit status with DOCSYNC_AUTH_ENABLED=%s", value).isNotZero();
      assertThat(refused.output()).contains("DOCSYNC_AUTH_ENABLED='" + value + "'", "true or false");
    }
    JarProcess.Result badPort = JarProcess.run(workDir, env("DOCSYNC_HTTP_PORT", "99999"));
    assertThat(badPort.exitCode()).isNotZero();
    assertThat(badPort.output()).contains("DOCSYNC_HTTP_PORT='99999'", "from 0 to 65535");

    for (String value : new String[] {"yes", "1", "TRUE"}) {
      Map<String, String> env = env("DOCSYNC_AUTH_ENABLED", value);
      env.put("DOCSYNC_AUTH_ENABLE", "false"); // a typo: warned about, never applied
      env.put("DOCSYNC_LOG_FORMAT", "json");
      try (JarProcess server = JarProcess.start(workDir, env)) {
        server.awaitHealthy(port, START);
        assertThat(get("notes-1", null).statusCode()).as("DOCSYNC_AUTH_ENABLED=%s", value).isEqualTo(401);
        String log = server.output();
        assertThat(log).contains("DOCSYNC_AUTH_ENABLE is not a docsync setting", "did you mean DOCSYNC_AUTH_ENABLED?");
        log.lines().filter(l -> l.startsWith("{")).forEach(l -> assertThat(new JsonObject(l).getString("level")).isNotBlank());
        assertThat(log.lines().filter(l -> l.startsWith("{")).map(JsonObject::new).map(j -> j.getString("formattedMessage")))
            .anyMatch(m -> m.contains("ready in"));
        assertThat(server.stop()).isIn(0, 143);
      }
    }
  }

  @Test
  void aStartOnATakenPortNamesThePortAndLeavesNoPostgresBehind() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
      try (JarProcess server = JarProcess.start(workDir, env())) {
        int exit = server.awaitExit(START);
        String log = server.output();
        System.out.println("[first-run] a start on a taken port:\n" + log);
        assertThat(exit).isNotZero();
        assertThat(log).contains("port " + port, "DOCSYNC_HTTP_PORT", "docsync failed to start");
        assertThat(Files.exists(dataDir.resolve("PG_VERSION"))).as("the embedded PostgreSQL had started").isTrue();
        assertThat(postmasterRunning()).as("embedded PostgreSQL left running").isFalse();
      }
    }
  }

  @Test
  void helpListsTheSubcommandsAndEverySetting() throws Exception {
    JarProcess.Result help = JarProcess.run(workDir, Map.of(), "--help");
    assertThat(help.exitCode()).isZero();
    assertThat(help.output()).contains("token", "DOCSYNC_HTTP_PORT [8080]", "DOCSYNC_AUTH_ENABLED [true]", "DOCSYNC_JWT_SECRET")
        .doesNotContain("-cluster", "-instances");
    JarProcess.Result noKey = JarProcess.run(workDir, env(), "token", "--sub", "ada", "--read", "*");
    assertThat(noKey.exitCode()).as("no key yet: the server never ran here").isNotZero();
    assertThat(noKey.output()).contains("DOCSYNC_JWT_SECRET", "docsync-jwt-secret");
    JarProcess.Result badTtl = JarProcess.run(workDir, Map.of("DOCSYNC_JWT_SECRET", "x".repeat(32)),
        "token", "--sub", "ada", "--ttl", "forever");
    assertThat(badTtl.exitCode()).isNotZero();
    assertThat(badTtl.output()).contains("--ttl");
  }

  @Test
  void theJarCarriesThePostgresOfEveryPlatformAndTheLicences() throws Exception {
    try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(JarProcess.JAR.toFile())) {
      for (String archive : new String[] {"postgres-linux-x86_64.txz", "postgres-linux-arm_64.txz",
          "postgres-darwin-x86_64.txz", "postgres-windows-x86_64.txz", "THIRD-PARTY.txt"}) {
        assertThat(jar.getEntry(archive)).as(archive).isNotNull();
      }
      String thirdParty = new String(jar.getInputStream(jar.getEntry("THIRD-PARTY.txt")).readAllBytes());
      assertThat(thirdParty).contains("vertx-core", "automerge", "Apache");
    }
  }

  // ---------------------------------------------------------------- helpers

  private Map<String, String> env(String... more) {
    Map<String, String> env = new HashMap<>(Map.of("DOCSYNC_HTTP_PORT", Integer.toString(port), "DOCSYNC_DATA_DIR", dataDir.toString()));
    for (int i = 0; i < more.length; i += 2) {
      env.put(more[i], more[i + 1]);
    }
    return env;
  }

  private String mint(String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "token";
    System.arraycopy(args, 0, command, 1, args.length);
    JarProcess.Result result = JarProcess.run(workDir, env(), command);
    assertThat(result.exitCode()).as("token command: %s", result.output()).isZero();
    String token = result.output().lines().filter(l -> l.startsWith("eyJ")).findFirst().orElseThrow();
    assertThat(token.split("\\.")).hasSize(3);
    return token;
  }

  /** Signed with the server's own key, but without exp. */
  private static String unsigned(String secret) {
    Vertx vertx = Vertx.vertx();
    try {
      return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)))
          .generateToken(new JsonObject().put("sub", "ada").put("docsync", new JsonObject().put("read", new io.vertx.core.json.JsonArray().add("*"))),
              new JWTOptions());
    } finally {
      vertx.close();
    }
  }

  private HttpResponse<String> get(String docId, String token) throws Exception {
    return http.send(request(docId, token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String docId, String token) throws Exception {
    return http.send(request(docId + "/changes", token).POST(HttpRequest.BodyPublishers.ofByteArray(Changes.set("title", "first run"))).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/docs/" + path))
        .timeout(Duration.ofSeconds(20));
    return token == null ? builder : builder.header("Authorization", "Bearer " + token);
  }


  /** Whether the postmaster of this test's data directory still runs (its pid file names it). */
  private boolean postmasterRunning() throws Exception {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return false;
    }
    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

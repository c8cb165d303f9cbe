package dev.docsync.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.auth.Tokens;
import dev.docsync.testing.TestService;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web app end to end in a real headless browser (Debian's Chromium, driven by puppeteer-core from
 * src/test/browser/webapp.mjs) against docsync running here with authentication on. Screenshots of every
 * step: {@code <build dir>/webapp-screenshots/}.
 */
class WebAppBrowserTest {
  private static final Duration SCENARIO_TIMEOUT = Duration.ofSeconds(60);
  private static TestService service;
  private static Map<String, String> env;

  @BeforeAll
  static void start() {
    NodeScript.require(Files.isExecutable(NodeScript.CHROMIUM), "Chromium (/usr/bin/chromium, apt-get install chromium)");
    NodeScript.require(NodeScript.installed(NodeScript.BROWSER), "src/test/browser/node_modules (npm ci there)");
    service = TestService.start(Tokens.authOn());
    Tokens tokens = new Tokens(service.vertx(), Tokens.SECRET);
    Tokens foreign = new Tokens(service.vertx(), "a-key-docsync-does-not-know-of-32-bytes+");
    List<String> all = List.of("*");
    env = Map.of(
        "DOCSYNC_URL", "http://127.0.0.1:" + service.httpPort(),
        "TOKEN_ADA", tokens.token("ada", all, all, 600),
        "TOKEN_BOB", tokens.token("bob", all, all, 600),
        "TOKEN_CAROL", tokens.token("carol", all, all, 600),
        "TOKEN_FOREIGN", foreign.token("mallory", all, all, 600),
        "TOKEN_NOTES", tokens.token("reader", List.of("notes-*"), List.of(), 600),
        "SHOTS", NodeScript.buildDir().resolve("webapp-screenshots").toString());
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void pageLoadsWithinOneSecondWithoutTokenAndSignsInThroughTheField() throws Exception {
    List<JsonObject> steps = scenario("load");
    assertThat(step(steps, "page loads without a token").getLong("firstLoadMs")).isLessThan(1000);
  }

  @Test
  void twoPeopleEditTextSeeCursorsChatAndDrawWithOwnUndo() throws Exception {
    List<JsonObject> steps = scenario("collab");
    assertThat(step(steps, "keystroke to the other screen").getLong("p50Ms")).isLessThan(500);
    assertThat(step(steps, "chat, and history for a late joiner").getJsonArray("history")).hasSize(2);
  }

  @Test
  void offlineEditsMergeWhenTheConnectionComesBack() throws Exception {
    List<JsonObject> steps = scenario("offline");
    assertThat(step(steps, "back online: both converge").getString("text")).contains("bob-offline", "ada-online");
  }

  @Test
  void refusedTokenAndForbiddenDocumentAreExplained() throws Exception {
    List<JsonObject> steps = scenario("refused");
    assertThat(step(steps, "a refused token shows a message").getString("message")).contains("UNAUTHENTICATED");
    assertThat(step(steps, "a document the token does not open shows a message").getString("message")).contains("FORBIDDEN");
  }

  private static List<JsonObject> scenario(String name) throws Exception {
    NodeScript.Result result = NodeScript.run(NodeScript.BROWSER, env, SCENARIO_TIMEOUT, "webapp.mjs", name);
    JsonObject failure = result.lines().stream().filter(l -> !l.getBoolean("ok", false)).findFirst().orElse(null);
    assertThat(failure).as("failed step of %s (screenshots in %s)", name, env.get("SHOTS")).isNull();
    assertThat(result.exitCode()).as("node webapp.mjs %s:%n%s", name, result.output()).isZero();
    return result.lines();
  }

  private static JsonObject step(List<JsonObject> steps, String name) {
    return steps.stream().filter(s -> name.equals(s.getString("step"))).findFirst()
        .orElseThrow(() -> new AssertionError("no step '" + name + "' in " + steps));
  }

}

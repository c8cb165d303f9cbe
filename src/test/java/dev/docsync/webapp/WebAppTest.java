package dev.docsync.webapp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.docsync.auth.SigningKey;
import dev.docsync.auth.Tokens;
import dev.docsync.http.WebApp;
import dev.docsync.testing.Await;
import dev.docsync.testing.TestService;
import io.vertx.core.Promise;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The web app as served from the jar's webroot, with authentication on; and the committed bundle matches its sources. */
class WebAppTest {
  private static final Pattern ASSET = Pattern.compile("assets/[A-Za-z0-9._-]+");
  private static TestService service;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    service = TestService.start(Tokens.authOn());
  }

  @AfterAll
  static void stop() {
    service.close();
  }

  @Test
  void committedBundleIsTheBuildOfItsSources() throws Exception {
    NodeScript.require(NodeScript.installed(NodeScript.WEBAPP), "src/main/webapp/node_modules (npm ci there)");
    NodeScript.Result check = NodeScript.run(NodeScript.WEBAPP, Map.of(), Duration.ofSeconds(60), "build.mjs", "--check");
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("webroot matches its sources");
  }

  @Test
  void pageLoadsWithoutTokenWithHooksAndStrictPolicy() throws Exception {
    HttpResponse<String> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(csp ->
        assertThat(csp).contains("default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"));
    for (String hook : new String[] {"new-doc", "doc-url", "name", "editor", "peers", "status", "chat-input", "chat-send",
        "chat-log", "canvas", "undo", "redo", "error"}) {
      assertThat(page.body()).contains("data-testid=\"" + hook + "\"");
    }
  }

  @Test
  void assetsAreServedWithTheirTypesAndLongCaching() throws Exception {
    Matcher assets = ASSET.matcher(get("/", null).body());
    int js = 0;
    while (assets.find()) {
      HttpResponse<String> asset = get("/" + assets.group(), null);
      assertThat(asset.statusCode()).as(assets.group()).isEqualTo(200);
      assertThat(asset.headers().firstValue("cache-control")).hasValueSatisfying(c -> assertThat(c).contains("max-age=31536000"));
      js += assets.group().endsWith(".js") ? 1 : 0;
    }
    assertThat(js).isEqualTo(1);
    String script = get("/" + firstMatch(get("/", null).body(), "assets/app-[A-Za-z0-9]+\\.js"), null).body();
    String wasm = firstMatch(script, "assets/automerge-[0-9a-f]+\\.wasm");
    HttpResponse<String> module = get("/" + wasm, null);
    assertThat(module.statusCode()).isEqualTo(200);
    assertThat(module.headers().firstValue("content-type")).hasValue("application/wasm"); // streaming compilation
    assertThat(get("/assets/nothing-here.js", null).statusCode()).isEqualTo(404);
  }

  @Test
  void documentsStillNeedATokenAndTheDevelopmentLinkCarriesOneThatWorks() throws Exception {
    assertThat(get("/api/docs/notes-1", null).statusCode()).isEqualTo(401);
    SigningKey developmentKey = new SigningKey(Tokens.SECRET, Path.of("data", SigningKey.FILE_NAME), false);
    Promise<String> minted = Promise.promise();
    service.vertx().runOnContext(v -> minted.complete(WebApp.link("http://localhost:1", developmentKey)));
    String link = Await.result(minted.future());
    assertThat(link).startsWith("http://localhost:1/#token=");
    String token = link.substring(link.indexOf("#token=") + 7).split(" ")[0];
    assertThat(get("/api/docs/notes-1", token).statusCode()).isEqualTo(200);
    assertThat(WebApp.link("http://localhost:1", null)).isEqualTo("http://localhost:1/");
  }

  private static String firstMatch(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in the page", regex).isTrue();
    return m.group();
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
  }
}

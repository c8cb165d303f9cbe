package dev.docsync.http;

import dev.docsync.auth.SigningKey;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;

/**
 * The collaborative web app, served from the jar's {@code webroot} (built from src/main/webapp and
 * committed): {@code GET /} is its page, {@code GET /assets/*} its content-hashed files. The page needs no
 * token; the app then talks to /sync and /eventbus on the page's own origin with the person's token.
 */
public final class WebApp {
  /** The development link's token: long enough to try docsync, short enough that a pasted log line soon stops working. */
  public static final Duration DEVELOPMENT_TOKEN_TTL = Duration.ofHours(2);
  /** Scripts and connections from this origin only; 'wasm-unsafe-eval' lets Automerge's WebAssembly compile. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; "
      + "style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  private static final long ONE_YEAR_SECONDS = Duration.ofDays(365).toSeconds();

  private WebApp() {}

  public static void mount(Router router) {
    // The page names the current asset hashes: always revalidated. Assets never change under their names.
    StaticHandler page = StaticHandler.create("webroot").setCachingEnabled(false).setIndexPage("index.html");
    StaticHandler assets = StaticHandler.create("webroot/assets").setCachingEnabled(true).setMaxAgeSeconds(ONE_YEAR_SECONDS)
        .setDirectoryListing(false);
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(WebApp::pageHeaders).handler(page);
    router.route("/assets/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(WebApp::assetHeaders).handler(assets);
  }

  private static void pageHeaders(RoutingContext ctx) {
    ctx.response().putHeader("Cache-Control", "no-cache")
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    ctx.next();
  }

  private static void assetHeaders(RoutingContext ctx) {
    ctx.response().putHeader("X-Content-Type-Options", "nosniff");
    ctx.next();
  }

  /**
   * A token for the start log's app link in development-key mode: the operator's user name, every document,
   * {@link #DEVELOPMENT_TOKEN_TTL}. Signed as the {@code token} command signs. Null outside a Vert.x context.
   */
  public static String developmentToken(SigningKey key) {
    Context context = Vertx.currentContext();
    if (context == null) {
      return null;
    }
    JWTAuth signer = JWTAuth.create(context.owner(), new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key.secret())));
    JsonArray all = new JsonArray().add("*");
    return signer.generateToken(new JsonObject()
        .put("sub", System.getProperty("user.name", "developer"))
        .put("exp", System.currentTimeMillis() / 1000 + DEVELOPMENT_TOKEN_TTL.toSeconds())
        .put("docsync", new JsonObject().put("read", all).put("write", all.copy())), new JWTOptions());
  }

  /** The start log's link: with a {@code #token=} (never sent to the server) in development-key mode. */
  public static String link(String httpBase, SigningKey key) {
    String token = key != null && key.development() ? developmentToken(key) : null;
    return token == null ? httpBase + "/" : httpBase + "/#token=" + token + "  (signed in for "
        + DEVELOPMENT_TOKEN_TTL.toHours() + " h with the development key: keep this link to yourself)";
  }
}

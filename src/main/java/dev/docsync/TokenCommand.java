package dev.docsync;

import dev.docsync.auth.SigningKey;
import dev.docsync.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code token}: prints a JWT that the server accepts, signed with the key the server uses
 * (DOCSYNC_JWT_SECRET, or the development key in DOCSYNC_DATA_DIR). Only the token goes to standard output.
 */
@Command(name = "token", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Prints a token (JWT) signed with the server's key: DOCSYNC_JWT_SECRET, or else the development "
        + "key docsync keeps in DOCSYNC_DATA_DIR (default ./data). Patterns: exact ids, or * for any run of characters.")
final class TokenCommand implements Callable<Integer> {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

  @Option(names = "--sub", required = true, paramLabel = "NAME", description = "Who the token is for (the JWT sub; presence and chat identity).")
  String subject;

  @Option(names = "--read", paramLabel = "PATTERN", split = ",", description = "Documents it may read (repeatable or comma-separated).")
  List<String> read = new ArrayList<>();

  @Option(names = "--write", paramLabel = "PATTERN", split = ",", description = "Documents it may read and write (repeatable or comma-separated).")
  List<String> write = new ArrayList<>();

  @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "8h", converter = Ttl.class,
      description = "Lifetime: a number and s, m, h or d (default: ${DEFAULT-VALUE}).")
  Duration ttl;

  @Option(names = "--admin", description = "Adds \"admin\": true (operator rights: /metrics and admin APIs).")
  boolean admin;

  private final Map<String, String> env;
  private final PrintStream err;
  private final PrintStream out;

  private TokenCommand(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Main.configureLogging(Map.of("DOCSYNC_LOG_LEVEL", "warn"));
    return new CommandLine(new TokenCommand(env, out, err))
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  @Override
  public Integer call() {
    SigningKey key;
    try {
      key = key();
    } catch (IOException | IllegalArgumentException e) {
      err.println("docsync token: " + e.getMessage());
      return 1;
    }
    if (read.isEmpty() && write.isEmpty()) {
      err.println("docsync token: warning: no --read or --write: this token opens no document");
    }
    Instant expires = Instant.now().plus(ttl);
    out.println(sign(key, claims(expires)));
    err.printf("docsync token: for %s, read %s, write %s%s, expires %s%n", subject, read, write, admin ? ", admin" : "", expires);
    return 0;
  }

  private SigningKey key() throws IOException {
    JsonObject settings = ConfigLoader.fromEnvironment(env);
    String secret = settings.getString("DOCSYNC_JWT_SECRET", "").trim();
    if (!secret.isEmpty()) {
      return SigningKey.configured(secret);
    }
    if (!settings.getString("DOCSYNC_JWT_PUBLIC_KEY", "").isBlank()) {
      throw new IOException("this server verifies tokens with a public key (DOCSYNC_JWT_PUBLIC_KEY): "
          + "tokens come from whoever holds the private key");
    }
    return SigningKey.existingDevelopmentKey(Path.of(settings.getValue("DOCSYNC_DATA_DIR").toString().trim()));
  }

  private JsonObject claims(Instant expires) {
    JsonObject claims = new JsonObject()
        .put("sub", subject)
        .put("exp", expires.getEpochSecond())
        .put("docsync", new JsonObject().put("read", new JsonArray(read)).put("write", new JsonArray(write)));
    if (admin) {
      claims.put("admin", true);
    }
    JsonObject settings = ConfigLoader.fromEnvironment(env);
    putIfSet(claims, "iss", settings.getString("DOCSYNC_JWT_ISSUER"));
    putIfSet(claims, "aud", settings.getString("DOCSYNC_JWT_AUDIENCE"));
    return claims;
  }

  private static void putIfSet(JsonObject claims, String claim, String value) {
    if (value != null && !value.isBlank()) {
      claims.put(claim, value.trim());
    }
  }

  private static String sign(SigningKey key, JsonObject claims) {
    Vertx vertx = Vertx.vertx();
    try {
      JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions()
          .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key.secret())));
      return signer.generateToken(claims, new JWTOptions());
    } finally {
      vertx.close();
    }
  }

  /** 30s, 15m, 8h, 7d: tokens always expire. */
  static final class Ttl implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Matcher m = DURATION.matcher(value.trim());
      if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
        throw new CommandLine.TypeConversionException("a positive number followed by s, m, h or d (e.g. 8h), got '" + value + "'");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
  }
}

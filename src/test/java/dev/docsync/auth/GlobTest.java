package dev.docsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Grant patterns: the same answers as a regex where {@code *} is {@code .*}, in time linear in the id whatever the pattern. */
class GlobTest {

  @Test
  void matchesAsTheRegexDidOnRandomPatternsAndIds() {
    Random random = new Random(42);
    for (int i = 0; i < 200_000; i++) {
      String pattern = word(random, "ab*-", random.nextInt(8));
      String id = word(random, "ab-", random.nextInt(10));
      assertThat(Glob.of(pattern).matches(id)).as("%s ~ %s", pattern, id).isEqualTo(regex(pattern).matcher(id).matches());
    }
  }

  @Test
  void backtrackingPatternsCostMicrosecondsOnLongIds() {
    String[][] attacks = {
        {"*-*-*.md", "a" + "-".repeat(1_000)},
        {"team-*-doc-*.md", "team-" + "-doc-".repeat(80_000)},
        {"*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(128)},
    };
    for (String[] attack : attacks) {
      long start = System.nanoTime();
      assertThat(Glob.of(attack[0]).matches(attack[1])).isFalse();
      long micros = (System.nanoTime() - start) / 1_000;
      System.out.printf("Glob %s on a %d-character id: %d us%n", attack[0], attack[1].length(), micros);
      assertThat(micros).as(attack[0]).isLessThan(200_000);
    }
  }

  @Test
  void aGrantIsBoundedWhenTheTokenIsRead() {
    JsonArray many = new JsonArray();
    for (int i = 0; i <= Grant.MAX_PATTERNS; i++) {
      many.add("doc-" + i);
    }
    assertRefused(new JsonObject().put("docsync", new JsonObject().put("read", many)));
    assertRefused(new JsonObject().put("docsync", new JsonObject().put("write", new JsonArray().add("*".repeat(Grant.MAX_PATTERN_CHARS + 1)))));
    assertRefused(new JsonObject().put("exp", "tomorrow"));
    Grant fine = Grant.fromClaims(new JsonObject().put("sub", "ada").put("admin", true).put("exp", Long.MAX_VALUE)
        .put("docsync", new JsonObject().put("read", new JsonArray().add("notes-*"))));
    assertThat(fine.admin()).isTrue();
    assertThat(fine.accessTo("notes-1")).isEqualTo(Access.READ);
    assertThat(fine.accessTo("notes-" + "x".repeat(200))).as("not a document id").isEqualTo(Access.NONE);
    assertThat(Grant.fromClaims(new JsonObject().put("admin", "true")).admin()).isFalse();
  }

  @Test
  void anExpiredGrantOpensNothing() {
    Grant expired = Grant.fromClaims(new JsonObject().put("exp", System.currentTimeMillis() / 1000 - 1)
        .put("docsync", new JsonObject().put("write", new JsonArray().add("*"))));
    assertThat(expired.expired()).isTrue();
    assertThat(expired.accessTo("doc")).isEqualTo(Access.NONE);
  }

  private static void assertRefused(JsonObject claims) {
    try {
      Grant.fromClaims(claims);
    } catch (dev.docsync.protocol.DocsyncException e) {
      assertThat(e.code().name()).isEqualTo("UNAUTHENTICATED");
      return;
    }
    throw new AssertionError("accepted " + claims.encode().substring(0, Math.min(200, claims.encode().length())));
  }

  private static String word(Random random, String alphabet, int length) {
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < length; i++) {
      word.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return word.toString();
  }

  private static Pattern regex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(c == '*' ? ".*" : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL);
  }
}

package dev.docsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings mean what they say or stop the start: a typo never switches a safety off. */
class StrictSettingsTest {

  private static DocsyncConfig with(String key, String value) {
    return DocsyncConfig.from(ConfigLoader.fromEnvironment(Map.of(key, value)));
  }

  @Test
  void booleansAcceptTheirUsualSpellingsAndNothingElse() {
    for (String on : List.of("true", "TRUE", "True", "1", "yes", "on", " true ")) {
      assertThat(with("DOCSYNC_AUTH_ENABLED", on).auth().enabled()).as(on).isTrue();
    }
    for (String off : List.of("false", "FALSE", "0", "no", "off")) {
      assertThat(with("DOCSYNC_AUTH_ENABLED", off).auth().enabled()).as(off).isFalse();
    }
    for (String typo : List.of("treu", "flase", "2", "", "enabled")) {
      assertThatThrownBy(() -> with("DOCSYNC_AUTH_ENABLED", typo)).as(typo)
          .isInstanceOf(InvalidSettingException.class)
          .hasMessageContaining("DOCSYNC_AUTH_ENABLED").hasMessageContaining("true or false");
    }
    assertThatThrownBy(() -> with("DOCSYNC_HTTP_TRUST_FORWARDED", "yes please")).isInstanceOf(InvalidSettingException.class);
    assertThatThrownBy(() -> with("DOCSYNC_WS_DEFLATE", "maybe")).isInstanceOf(InvalidSettingException.class);
  }

  @Test
  void numbersAreWholeAndInRange() {
    assertThat(with("DOCSYNC_HTTP_PORT", "9000").httpPort()).isEqualTo(9000);
    assertThatThrownBy(() -> with("DOCSYNC_HTTP_PORT", "99999"))
        .hasMessage("DOCSYNC_HTTP_PORT='99999' is not accepted: a whole number from 0 to 65535");
    assertThatThrownBy(() -> with("DOCSYNC_HTTP_PORT", "80a")).hasMessageContaining("DOCSYNC_HTTP_PORT='80a'");
    assertThatThrownBy(() -> with("DOCSYNC_DOC_QUEUE_LIMIT", "1.5")).hasMessageContaining("a whole number");
    // Once narrowed from long to int unchecked: 2^32 + 1 became 1.
    assertThatThrownBy(() -> with("DOCSYNC_LIMIT_CONNECTIONS_PER_IP", "4294967297")).hasMessageContaining("DOCSYNC_LIMIT_CONNECTIONS_PER_IP");
    assertThatThrownBy(() -> with("DOCSYNC_SYNC_PACE_MS", "-1")).hasMessageContaining("a whole number >= 0");
    assertThatThrownBy(() -> with("DOCSYNC_PG_POOL_SIZE", "0")).hasMessageContaining("from 1 to 1000");
  }

  @Test
  void choicesAreCheckedCaseInsensitively() {
    assertThat(with("DOCSYNC_JWT_ALGORITHM", "es256").auth().algorithm()).isEqualTo("ES256");
    assertThatThrownBy(() -> with("DOCSYNC_JWT_ALGORITHM", "none")).hasMessageContaining("one of RS256");
    assertThatThrownBy(() -> with("DOCSYNC_LOG_FORMAT", "xml")).hasMessageContaining("one of text, json");
    assertThatThrownBy(() -> with("DOCSYNC_LOG_LEVEL", "verbose")).hasMessageContaining("DOCSYNC_LOG_LEVEL");
  }

  @Test
  void unknownVariablesAreNamedWithTheClosestSetting() {
    List<String> warnings = UnknownSettings.warnings(
        List.of("DOCSYNC_AUTH_ENABLE", "DOCSYNC_HTTP_PROT", "DOCSYNC_TEST_PG_URL", "PATH", "DOCSYNC_HTTP_PORT"),
        ConfigLoader.defaults().fieldNames());
    assertThat(warnings).containsExactly(
        "DOCSYNC_AUTH_ENABLE is not a docsync setting and is ignored (did you mean DOCSYNC_AUTH_ENABLED?)",
        "DOCSYNC_HTTP_PROT is not a docsync setting and is ignored (did you mean DOCSYNC_HTTP_PORT?)");
  }
}

package dev.docsync.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Operators read the settings in README.md: every setting the service reads must be there, documented. */
class ConfigDocumentationTest {

  @Test
  void everySettingIsDocumentedInTheDefaultsAndTheReadme() throws Exception {
    JsonObject settings = new JsonObject(Files.readString(Path.of("config/docsync.json"))).getJsonObject("settings");
    String readme = Files.readString(Path.of("README.md"));
    assertThat(settings.fieldNames()).isNotEmpty();
    for (String key : settings.fieldNames()) {
      JsonObject setting = settings.getJsonObject(key);
      assertThat(setting.containsKey("default")).as("%s has a default", key).isTrue();
      assertThat(setting.getString("doc")).as("%s is described", key).isNotBlank();
      assertThat(readme).as("README.md documents %s", key).contains("`" + key + "`");
    }
    // And the service accepts the shipped defaults as they are.
    assertThat(DocsyncConfig.from(ConfigLoader.defaults())).isNotNull();
  }
}

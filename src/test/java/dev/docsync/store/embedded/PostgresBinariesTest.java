package dev.docsync.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PostgresBinariesTest {
  @Test
  void everyPlatformOfTheAutomergeLibraryHasAnArchiveOnTheClasspath() {
    String[][] platforms = {{"Linux", "amd64"}, {"Linux", "aarch64"}, {"Mac OS X", "x86_64"}, {"Mac OS X", "aarch64"},
        {"Windows 11", "amd64"}};
    for (String[] p : platforms) {
      String archive = PostgresBinaries.archiveFor(p[0], p[1]).orElseThrow();
      assertThat(getClass().getClassLoader().getResource(archive)).as("%s on %s: %s", p[0], p[1], archive).isNotNull();
    }
  }

  @Test
  void otherPlatformsAreToldToUseTheirOwnPostgres() {
    assertThat(PostgresBinaries.archiveFor("Linux", "ppc64le")).isEmpty();
    assertThat(PostgresBinaries.archiveFor("Windows 10", "x86")).isEmpty();
    assertThat(PostgresBinaries.archiveFor("FreeBSD", "amd64")).isEmpty();
  }
}

# docsync: multi-stage build, runs as a non-root user, data in a volume.
# With no DOCSYNC_PG_URL the service runs its embedded PostgreSQL in /var/lib/docsync/data.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY sql sql
COPY config config
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/docsync docsync \
 && mkdir -p /var/lib/docsync/data /var/lib/docsync/tmp /opt/docsync \
 && chown -R docsync:docsync /var/lib/docsync
COPY --from=build /src/target/docsync.jar /opt/docsync/docsync.jar
USER docsync
WORKDIR /var/lib/docsync
ENV DOCSYNC_HTTP_PORT=8080 \
    DOCSYNC_DATA_DIR=/var/lib/docsync/data
VOLUME ["/var/lib/docsync/data"]
EXPOSE 8080
# The Automerge native library and the embedded PostgreSQL binaries unpack into java.io.tmpdir.
ENTRYPOINT ["java", "-Djava.io.tmpdir=/var/lib/docsync/tmp", "-jar", "/opt/docsync/docsync.jar"]

# docsync: multi-stage build, runs as a non-root user under tini, data in a volume.
# With no DOCSYNC_PG_URL the service runs its embedded PostgreSQL in /var/lib/docsync/data.
# Checked by DockerfileRulesTest (no Docker engine on the build machines).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY sql sql
COPY config config
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
# tini: PID 1 that forwards SIGTERM to the JVM (which then drains and stops PostgreSQL) and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/docsync docsync \
 && mkdir -p /var/lib/docsync/data /opt/docsync/native \
 && chown -R docsync:docsync /var/lib/docsync /opt/docsync/native
COPY --from=build /src/target/docsync.jar /opt/docsync/docsync.jar
USER docsync
WORKDIR /var/lib/docsync
# The embedded PostgreSQL binaries are unpacked once, here, not at every start. (The 7 MB Automerge JNI library
# still unpacks itself into java.io.tmpdir at each start: automerge-java 0.0.7 cannot load a pre-unpacked copy.)
RUN java -Djava.io.tmpdir=/opt/docsync/native -jar /opt/docsync/docsync.jar unpack
ENV DOCSYNC_HTTP_PORT=8080 \
    DOCSYNC_DATA_DIR=/var/lib/docsync/data \
    DOCSYNC_BRIDGE_TCP_HOST=0.0.0.0 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:TrimNativeHeapInterval=1000"
VOLUME ["/var/lib/docsync/data"]
# HTTP (REST, /sync, SockJS bridge, /health, /metrics) and the TCP event-bus bridge (DOCSYNC_BRIDGE_TCP_ENABLED=true).
EXPOSE 8080 7001
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${DOCSYNC_HTTP_PORT}/health" || exit 1
ENTRYPOINT ["tini", "--", "java", "-Djava.io.tmpdir=/opt/docsync/native", "-jar", "/opt/docsync/docsync.jar"]

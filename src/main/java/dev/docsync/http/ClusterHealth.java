package dev.docsync.http;

import dev.docsync.cluster.Membership;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import java.util.function.Function;

/** {@code GET /health} of a cluster node also says which node answered and how many members it sees. */
final class ClusterHealth extends CheckResult {
  private final JsonObject cluster;

  private ClusterHealth(CheckResult result, JsonObject cluster) {
    setId(result.getId());
    setStatus(result.getStatus());
    setChecks(result.getChecks());
    setFailure(result.getFailure());
    this.cluster = cluster;
  }

  /** The health handler's result mapper: adds {@code "cluster": {nodeId, members, owners}} when clustered. */
  static Function<CheckResult, Future<CheckResult>> mapper(Membership membership) {
    return result -> Future.succeededFuture(membership.clustered() ? new ClusterHealth(result, json(membership)) : result);
  }

  static JsonObject json(Membership membership) {
    return new JsonObject()
        .put("nodeId", membership.nodeId())
        .put("members", membership.members().size())
        .put("owners", membership.documentOwners().size());
  }

  @Override
  public JsonObject toJson() {
    return super.toJson().put("cluster", cluster);
  }
}

package dev.docsync.doc;

/**
 * How a node holds documents.
 *
 * @param shards document worker verticles on this node (each on its own event loop)
 * @param leaseMs how long a document lease lasts without renewal (renewed every third of it): a paused or cut-off
 *     node's documents are taken over after this long at the latest, at once when the cluster sees it leave
 * @param routeRetryMs how long a router keeps retrying a request whose owner is moving before answering NOT_OWNER
 */
public record Ownership(int shards, long leaseMs, long routeRetryMs) {}

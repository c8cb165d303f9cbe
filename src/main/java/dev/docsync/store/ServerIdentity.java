package dev.docsync.store;

/** Who this server is to its peers; stable across restarts. */
public record ServerIdentity(String peerId, String storageId) {}

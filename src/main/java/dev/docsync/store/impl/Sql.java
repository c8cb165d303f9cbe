package dev.docsync.store.impl;

import java.util.List;

/** Every SQL statement docsync runs, in one place. The schema itself is sql/schema.sql. */
final class Sql {
  private Sql() {}

  static final String SCHEMA_RESOURCE = "sql/schema.sql";

  static final String LOAD_CHUNKS =
      "SELECT chunk_id, kind, data FROM doc_chunks WHERE doc_id = $1 ORDER BY kind, chunk_id";

  /**
   * Fenced and idempotent: inserts only while ($5, $6) holds the lease (the row lock makes a takeover wait for this
   * commit); a retried insert of the same bytes returns the existing row's id. No row returned: not the owner.
   */
  static final String INSERT_CHUNK =
      "WITH lease AS (" + leaseHeld("$1", "$5", "$6") + ") "
          + "INSERT INTO doc_chunks (doc_id, kind, hash, data) SELECT $1::text, $2::smallint, $3::bytea, $4::bytea FROM lease "
          + "ON CONFLICT (doc_id, hash) DO UPDATE SET doc_id = EXCLUDED.doc_id RETURNING chunk_id";

  /** One row while (owner $2, epoch $3) holds the lease of document $1, locked until the transaction ends. */

  private static String leaseHeld(String docId, String owner, String epoch) {
    return "SELECT 1 FROM doc_leases WHERE doc_id = " + docId + "::text AND owner = " + owner + "::text AND epoch = " + epoch
        + "::bigint FOR SHARE";
  }

  /**
   * Takes the lease of document $1 for node $2 for $3 ms, with the next epoch, when nobody holds it: never held,
   * released, expired, or held by a node that is not among the live members $4. No row returned: a live node holds it.
   */
  static final String ACQUIRE_LEASE =
      "INSERT INTO doc_leases (doc_id, owner, epoch, lease_until) VALUES ($1, $2, 1, now() + make_interval(secs => $3::bigint / 1000.0)) "
          + "ON CONFLICT (doc_id) DO UPDATE SET owner = EXCLUDED.owner, epoch = doc_leases.epoch + 1, lease_until = EXCLUDED.lease_until "
          + "WHERE doc_leases.lease_until < now() OR doc_leases.owner = EXCLUDED.owner OR doc_leases.owner <> ALL($4::text[]) "
          + "RETURNING epoch";

  static final String LEASE_HOLDER = "SELECT owner FROM doc_leases WHERE doc_id = $1";

  /** Extends the leases node $1 still holds of documents $2 at epochs $3; returns the documents renewed. */
  static final String RENEW_LEASES =
      "UPDATE doc_leases l SET lease_until = now() + make_interval(secs => $4::bigint / 1000.0) "
          + "FROM unnest($2::text[], $3::bigint[]) AS held(doc_id, epoch) "
          + "WHERE l.doc_id = held.doc_id AND l.epoch = held.epoch AND l.owner = $1 RETURNING l.doc_id";

  static final String RELEASE_LEASE =
      "UPDATE doc_leases SET lease_until = '-infinity' WHERE doc_id = $1 AND owner = $2 AND epoch = $3";

  static final String LIST_DOC_IDS = "SELECT DISTINCT doc_id FROM doc_chunks";

  /** One page of the stored documents, by docId (keyset paging). */
  static final String LIST_DOCUMENTS =
      "SELECT doc_id, sum(octet_length(data))::bigint, count(*)::int, (extract(epoch FROM max(created_at)) * 1000)::bigint "
          + "FROM doc_chunks WHERE doc_id > $1 GROUP BY doc_id ORDER BY doc_id LIMIT $2";

  /** A document's rows in every table; run in one transaction. */
  static final List<String> DELETE_DOCUMENT = List.of(
      "DELETE FROM doc_chunks WHERE doc_id = $1",
      "DELETE FROM sync_states WHERE doc_id = $1",
      "DELETE FROM chat_messages WHERE doc_id = $1");

  static final String DELETE_CHUNKS = "DELETE FROM doc_chunks WHERE doc_id = $1 AND chunk_id = ANY($2)";

  static final String LOAD_SYNC_STATE = "SELECT state FROM sync_states WHERE doc_id = $1 AND peer_key = $2";

  /** Fenced like {@link #INSERT_CHUNK}: no row returned, not the owner. */
  static final String UPSERT_SYNC_STATE =
      "WITH lease AS (" + leaseHeld("$1", "$4", "$5") + ") "
          + "INSERT INTO sync_states (doc_id, peer_key, state) SELECT $1::text, $2::text, $3::bytea FROM lease "
          + "ON CONFLICT (doc_id, peer_key) DO UPDATE SET state = EXCLUDED.state, updated_at = now() RETURNING 1";

  static final String INSERT_IDENTITY =
      "INSERT INTO server_identity (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";

  static final String LOAD_IDENTITY = "SELECT name, value FROM server_identity";

  static final String PING = "SELECT 1";

  /** Idempotent on (doc_id, client_id): a retry returns the stored row; {@code inserted} tells which. */
  static final String INSERT_CHAT_MESSAGE =
      "INSERT INTO chat_messages (doc_id, author, body, client_id) VALUES ($1, $2, $3, $4) "
          + "ON CONFLICT (doc_id, author, client_id) WHERE client_id IS NOT NULL DO UPDATE SET doc_id = EXCLUDED.doc_id "
          + "RETURNING id, author, body, (extract(epoch FROM sent_at) * 1000)::bigint, (xmax = 0) AS inserted";

  /** Newest first; the caller reverses. */
  static final String RECENT_CHAT_MESSAGES =
      "SELECT id, author, body, (extract(epoch FROM sent_at) * 1000)::bigint FROM chat_messages "
          + "WHERE doc_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";

  static final String PURGE_CHAT_MESSAGES = "DELETE FROM chat_messages WHERE sent_at < now() - make_interval(secs => $1)";
}

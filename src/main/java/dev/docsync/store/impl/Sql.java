package dev.docsync.store.impl;

import java.util.List;

/** Every SQL statement docsync runs, in one place. The schema itself is sql/schema.sql. */
final class Sql {
  private Sql() {}

  static final String SCHEMA_RESOURCE = "sql/schema.sql";

  static final String LOAD_CHUNKS =
      "SELECT chunk_id, kind, data FROM doc_chunks WHERE doc_id = $1 ORDER BY kind, chunk_id";

  /** Idempotent: a retried insert of the same bytes returns the existing row's id. */
  static final String INSERT_CHUNK =
      "INSERT INTO doc_chunks (doc_id, kind, hash, data) VALUES ($1, $2, $3, $4) "
          + "ON CONFLICT (doc_id, hash) DO UPDATE SET doc_id = EXCLUDED.doc_id RETURNING chunk_id";

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

  static final String UPSERT_SYNC_STATE =
      "INSERT INTO sync_states (doc_id, peer_key, state) VALUES ($1, $2, $3) "
          + "ON CONFLICT (doc_id, peer_key) DO UPDATE SET state = EXCLUDED.state, updated_at = now()";

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

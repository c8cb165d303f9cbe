-- docsync schema. Applied at every start: every statement must be safe to re-apply.
-- One advisory lock serialises nodes that start at the same time.
SELECT pg_advisory_xact_lock(7331001);

-- A document is a snapshot (kind 0, output of save()) plus incremental chunks (kind 1,
-- encoded changes). Loading concatenates all of them. Compaction writes a new snapshot and
-- deletes exactly the chunks it folded in, in one transaction.
CREATE TABLE IF NOT EXISTS doc_chunks (
  chunk_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doc_id     text        NOT NULL,
  kind       smallint    NOT NULL CHECK (kind IN (0, 1)),
  hash       bytea       NOT NULL,            -- sha256 of data: makes a retried insert idempotent
  data       bytea       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (doc_id, hash)
);
-- The UNIQUE index (doc_id, hash) serves lookups by document too.

-- Encoded Automerge sync state per (document, peer storage key).
CREATE TABLE IF NOT EXISTS sync_states (
  doc_id     text        NOT NULL,
  peer_key   text        NOT NULL,
  state      bytea       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (doc_id, peer_key)
);

-- Stable identity of this server (peer id, storage id), kept across restarts.
CREATE TABLE IF NOT EXISTS server_identity (
  name  text PRIMARY KEY,
  value text NOT NULL
);

-- Chat messages, beside the documents rather than inside them: history kept in the Automerge
-- document would travel with every sync of it and grow without bound (see docs/event-bus.md).
CREATE TABLE IF NOT EXISTS chat_messages (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  doc_id    text        NOT NULL,
  author    text        NOT NULL,
  body      text        NOT NULL,
  client_id text,                              -- optional sender-chosen id: a retried SEND is stored once
  sent_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS chat_messages_doc ON chat_messages (doc_id, id);
-- A retry key belongs to its author: another author's message with the same client_id is a message of
-- its own (keyed by document only, a co-writer could make someone's later message be acknowledged and
-- never stored). Databases of older versions: the document-wide index is replaced (rows stay valid).
DROP INDEX IF EXISTS chat_messages_client;
CREATE UNIQUE INDEX IF NOT EXISTS chat_messages_author_client ON chat_messages (doc_id, author, client_id)
  WHERE client_id IS NOT NULL;

-- Who may write a document: one node at a time, named by its cluster node id. The epoch is the fencing
-- token: it grows by one at every acquisition and never goes back (rows are never deleted), and every write
-- of the document (chunk, sync state, compaction) locks this row FOR SHARE and checks (owner, epoch) in the
-- same transaction, so a node that lost the lease (paused, partitioned) can never commit after a takeover.
-- lease_until is renewed by the holder; '-infinity' means released.
CREATE TABLE IF NOT EXISTS doc_leases (
  doc_id      text        PRIMARY KEY,
  owner       text        NOT NULL,
  epoch       bigint      NOT NULL,
  lease_until timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS doc_leases_owner ON doc_leases (owner);

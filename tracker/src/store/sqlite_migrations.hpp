// sqlite_migrations.hpp — the SQLite schema, one numbered migration per change.
//
// Rules: never edit a migration that has shipped; add migration N+1 and bump
// store::schema_version. The version is recorded in PRAGMA user_version, inside the same
// transaction as the migration. docs/store.md documents every table and column.
#pragma once

namespace tracker::store::sqlite_schema {

// "TRCK" — marks the file as a tracker store (PRAGMA application_id).
constexpr int application_id = 0x5452434B;

struct migration {
  int version;
  const char* sql;
};

inline constexpr migration migrations[] = {
    {1, R"sql(
CREATE TABLE runs (
  rid                INTEGER PRIMARY KEY,
  id                 TEXT NOT NULL UNIQUE,
  project            TEXT NOT NULL,
  name               TEXT NOT NULL,
  status             TEXT NOT NULL,
  status_reason      TEXT NOT NULL DEFAULT '',
  created_at         REAL NOT NULL,
  ended_at           REAL,
  heartbeat_at       REAL NOT NULL,
  heartbeat_interval REAL NOT NULL,
  host               TEXT NOT NULL,
  pid                INTEGER NOT NULL,
  pid_start          INTEGER NOT NULL DEFAULT 0,
  git_commit         TEXT NOT NULL DEFAULT '',
  git_branch         TEXT NOT NULL DEFAULT '',
  note               TEXT NOT NULL DEFAULT '',
  deleted_at         REAL
);
CREATE INDEX runs_by_project ON runs(project, created_at);
CREATE INDEX runs_by_name ON runs(name);

CREATE TABLE run_config (
  rid   INTEGER NOT NULL,
  key   TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (rid, key)
) WITHOUT ROWID;

CREATE TABLE run_tags (
  rid INTEGER NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (rid, tag)
) WITHOUT ROWID;

CREATE TABLE series (
  sid        INTEGER PRIMARY KEY,
  rid        INTEGER NOT NULL,
  key        TEXT NOT NULL,
  goal       INTEGER NOT NULL DEFAULT 0,
  count      INTEGER NOT NULL DEFAULT 0,
  nonfinite  INTEGER NOT NULL DEFAULT 0,
  min        REAL,
  max        REAL,
  last       REAL,
  last_step  INTEGER NOT NULL DEFAULT 0,
  last_time  REAL NOT NULL DEFAULT 0,
  first_step INTEGER NOT NULL DEFAULT 0,
  UNIQUE (rid, key)
);

CREATE TABLE points (
  sid   INTEGER NOT NULL,
  step  INTEGER NOT NULL,
  time  REAL NOT NULL,
  value REAL
);
CREATE INDEX points_by_step ON points(sid, step);

CREATE TABLE buckets (
  sid       INTEGER NOT NULL,
  level     INTEGER NOT NULL,
  idx       INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  min       REAL,
  max       REAL,
  last      REAL,
  last_step INTEGER NOT NULL,
  PRIMARY KEY (sid, level, idx)
) WITHOUT ROWID;

CREATE TABLE objects (
  oid  INTEGER PRIMARY KEY,
  rid  INTEGER NOT NULL,
  key  TEXT NOT NULL,
  kind TEXT NOT NULL,
  step INTEGER NOT NULL,
  time REAL NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX objects_by_key ON objects(rid, key, step);
)sql"},
    // 2: buckets carry the wall-time range of their points (charts over wall/relative time);
    // "latest" and name lookups by index. Existing buckets are back-filled from their points.
    {2, R"sql(
ALTER TABLE buckets ADD COLUMN first_time REAL;
ALTER TABLE buckets ADD COLUMN last_time REAL;
UPDATE buckets SET
  first_time = (SELECT min(p.time) FROM points p WHERE p.sid = buckets.sid
                AND p.step BETWEEN buckets.idx * (1 << (3 * (buckets.level + 1)))
                AND buckets.idx * (1 << (3 * (buckets.level + 1))) + (1 << (3 * (buckets.level + 1))) - 1),
  last_time  = (SELECT max(p.time) FROM points p WHERE p.sid = buckets.sid
                AND p.step BETWEEN buckets.idx * (1 << (3 * (buckets.level + 1)))
                AND buckets.idx * (1 << (3 * (buckets.level + 1))) + (1 << (3 * (buckets.level + 1))) - 1);
CREATE INDEX runs_by_created ON runs(created_at);
)sql"},
    // 3: production monitoring — prediction and reference records of a model run, feedback
    // joined on the prediction id, and the classes a model predicts. Features, probabilities
    // and tags are JSON text (one row per record keeps ingest at one insert per record).
    {3, R"sql(
CREATE TABLE production_records (
  prid          INTEGER PRIMARY KEY,
  rid           INTEGER NOT NULL,
  kind          INTEGER NOT NULL,
  id            TEXT NOT NULL,
  time          REAL NOT NULL,
  predicted     TEXT NOT NULL,
  confidence    REAL,
  probabilities TEXT,
  latency_ms    REAL,
  label         TEXT NOT NULL DEFAULT '',
  features      TEXT NOT NULL,
  tags          TEXT,
  image         TEXT NOT NULL DEFAULT '',
  UNIQUE (rid, kind, id)
);
CREATE INDEX production_by_time ON production_records(rid, kind, time);

CREATE TABLE production_feedback (
  fid    INTEGER PRIMARY KEY,
  id     TEXT NOT NULL,
  rid    INTEGER NOT NULL DEFAULT 0,
  time   REAL NOT NULL,
  label  TEXT NOT NULL DEFAULT '',
  flag   TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  UNIQUE (id, rid, label, flag, reason)
);

CREATE TABLE production_models (
  rid     INTEGER PRIMARY KEY,
  classes TEXT NOT NULL
);
)sql"},
    // 4: points in blocks. A row holds consecutive points of one series (in logging order),
    // encoded (point_blocks.hpp; docs/store.md): one row and two
    // index entries per block of up to 512 points instead of per point. (A series' newest
    // points, fewer than a block, were a row rewritten by each commit; since schema 6 they are
    // rows of points_tail.) Every point
    // keeps an insertion-order number (seq; the old rowid for migrated points), the cursor of
    // incremental reads; points_seq holds the next one. The old rows are converted by the
    // backend right after this SQL, in the same transaction, and points_v3 is dropped.
    {4, R"sql(
DROP INDEX points_by_step;
ALTER TABLE points RENAME TO points_v3;
CREATE TABLE points (
  seq       INTEGER PRIMARY KEY,
  sid       INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  min_step  INTEGER NOT NULL,
  max_step  INTEGER NOT NULL,
  ordered   INTEGER NOT NULL,
  data      BLOB NOT NULL
);
CREATE INDEX points_by_sid ON points(sid);
CREATE INDEX points_by_step ON points(sid, ordered, max_step);
CREATE TABLE points_seq (
  id   INTEGER PRIMARY KEY CHECK (id = 0),
  next INTEGER NOT NULL
);
INSERT INTO points_seq(id, next) SELECT 0, ifnull(max(rowid), 0) + 1 FROM points_v3;
)sql"},
    // 5: production records in blocks. A row holds the records of one model and kind in
    // insertion order, column by column (store/production_blocks.cpp; docs/store.md), instead
    // of one row and three index entries per record; production_ids keeps the ids that make a
    // retried record a duplicate. bid is AUTOINCREMENT: a writer's cached newest block is known
    // by (bid, n), so a bid must never be reused. The rows of schema 4's production_records are
    // converted by the backend right after this SQL, in the same transaction, and the table is
    // dropped. IF NOT EXISTS: a newer store labelled older by hand (tests) already has them.
    {5, R"sql(
CREATE TABLE IF NOT EXISTS production_blocks (
  bid      INTEGER PRIMARY KEY AUTOINCREMENT,
  rid      INTEGER NOT NULL,
  kind     INTEGER NOT NULL,
  n        INTEGER NOT NULL,
  min_time REAL NOT NULL,
  max_time REAL NOT NULL,
  data     BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS production_blocks_by_model ON production_blocks(rid, kind);
CREATE INDEX IF NOT EXISTS production_blocks_by_time ON production_blocks(rid, kind, max_time, min_time);
CREATE TABLE IF NOT EXISTS production_ids (
  rid  INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  id   TEXT NOT NULL,
  PRIMARY KEY (rid, kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS production_feedback_by_model ON production_feedback(rid);
)sql"},
    // 6: a series' open block lives in a small table of its own. Each commit appends one row
    // per series it touched; in the big points table that row's two index entries landed on a
    // leaf page per series once the indexes were large, so a commit's pages grew with the
    // run's length. The tails move to points when full and when the run closes
    // (sqlite_backend_points.cpp). Rows already in points stay there: they are valid blocks.
    {6, R"sql(
CREATE TABLE IF NOT EXISTS points_tail (
  seq       INTEGER PRIMARY KEY,
  sid       INTEGER NOT NULL,
  n         INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  min_step  INTEGER NOT NULL,
  max_step  INTEGER NOT NULL,
  ordered   INTEGER NOT NULL,
  data      BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS points_tail_by_sid ON points_tail(sid);
)sql"},
};

}  // namespace tracker::store::sqlite_schema

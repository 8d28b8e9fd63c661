-- One index on message_history.created_at per variant ({{index}} and {{table}} are
-- quoted by index.ts). Built on the partitioned table: each partition gets its own.
-- https://www.postgresql.org/docs/current/brin.html

-- name: btree
CREATE INDEX {{index}} ON {{table}} (created_at);

-- name: brin
-- Default pages_per_range = 128: one summary (min, max) per 128 heap pages.
CREATE INDEX {{index}} ON {{table}} USING brin (created_at);

-- name: brin-16
-- Finer ranges: 8× the summaries, fewer heap pages read per matching range.
CREATE INDEX {{index}} ON {{table}} USING brin (created_at) WITH (pages_per_range = 16);

-- name: brin-multi
-- minmax-multi (PostgreSQL 14+): several min/max intervals per range, tolerating outliers.
CREATE INDEX {{index}} ON {{table}} USING brin (created_at timestamptz_minmax_multi_ops);

-- Probes: the same summaries with one heap page per range, built only to measure what one
-- more range costs (the real indexes' growth fits in one summary page at small scales).

-- name: brin-probe
CREATE INDEX {{index}} ON {{table}} USING brin (created_at) WITH (pages_per_range = 1);

-- name: brin-multi-probe
CREATE INDEX {{index}} ON {{table}} USING brin (created_at timestamptz_minmax_multi_ops) WITH (pages_per_range = 1);

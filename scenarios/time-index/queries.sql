-- name: range
-- Rows in a time range, read from the heap (sum of a non-indexed column, so a B-tree
-- cannot answer from the index alone).
SELECT count(*), sum(token_count) FROM {{table}} WHERE created_at >= $1 AND created_at < $2;

-- pgbench's built-in select-only script (pgbench -S), as a file: bench:traffic runs it
-- through pgbench and through pgscale, and it is the README's --script example.
\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;

// COPY hands each buffer back to the writers' pool once the socket has written it, and
// the generator refills it at once: no row may be lost, doubled or overwritten by it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyPieces } from '../../db/copy.ts';
import { createSchema } from '../../db/schema.ts';
import { FLUSH_BYTES, outputBuffers } from '../../generators/copytext.ts';
import { GENERATOR_VERSION, type Piece } from '../../generators/index.ts';
import { dropSchema, testClient, uniqueSchema } from '../support/db.ts';

const schema = uniqueSchema('recycle');
const PIECES = 48;

let rows = 0;
const memory = new Set<ArrayBufferLike>();

/** Tenants rows numbered across pieces, each piece written into a pooled buffer. */
function* numberedPieces(): Generator<Piece> {
  let id = 0;
  for (let p = 0; p < PIECES; p++) {
    const buf = outputBuffers.acquire();
    let pos = 0;
    while (pos < FLUSH_BYTES - 200) {
      id++;
      pos += buf.write(`${id}\tname ${id}\tslug-${id}-${p}\tfree\tt\t{}\t2025-01-01 00:00:00+00\n`, pos, 'latin1');
    }
    rows = id;
    memory.add(buf.buffer);
    yield { table: 'tenants', buf: buf.subarray(0, pos) };
  }
}

test.after(async () => {
  await dropSchema(schema);
});

test('buffers recycled during COPY carry exactly the rows written into them', async () => {
  const c = await testClient();
  try {
    await createSchema(c, schema, { scale: 1, seed: 1, months: 1, enums: 'smallint', generatorVersion: GENERATOR_VERSION });
    await copyPieces(c, schema, numberedPieces(), () => {});
    const expected = rows;
    const r = await c.query<{ n: string; distinct_ids: string; max_id: string; bad: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids, max(id) AS max_id,
              count(*) FILTER (WHERE name <> 'name ' || id OR slug NOT LIKE 'slug-' || id || '-%') AS bad
         FROM ${schema}.tenants`,
    );
    assert.is(Number(r.rows[0].n), expected);
    assert.is(Number(r.rows[0].distinct_ids), expected);
    assert.is(Number(r.rows[0].max_id), expected);
    assert.is(Number(r.rows[0].bad), 0);
    assert.ok(memory.size < PIECES, `${PIECES} pieces were written into ${memory.size} recycled buffers`);
  } finally {
    await c.end();
  }
});

test.run();

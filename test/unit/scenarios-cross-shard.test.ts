import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mergeDaily, mergeTopUsers } from '../../scenarios/cross-shard/merge.ts';

const u = (id: string, n: number) => ({ user_id: id, messages: String(n) });

test('the merged top list orders by count descending, then user_id, and keeps the limit', () => {
  const a = [u('b0000000-0000-0000-0000-000000000000', 9), u('a1000000-0000-0000-0000-000000000000', 4)];
  const b = [u('0f000000-0000-0000-0000-000000000000', 9), u('c2000000-0000-0000-0000-000000000000', 7), u('d3000000-0000-0000-0000-000000000000', 1)];
  const merged = mergeTopUsers([a, b], 3);
  assert.equal(merged.map((r) => r.user_id), ['0f000000-0000-0000-0000-000000000000', 'b0000000-0000-0000-0000-000000000000', 'c2000000-0000-0000-0000-000000000000']);
});

test('counts beyond 2^53 compare exactly', () => {
  const merged = mergeTopUsers([[u('b', 0), { user_id: 'b', messages: '9007199254740993' }], [{ user_id: 'a', messages: '9007199254740992' }]], 1);
  assert.is(merged[0].messages, '9007199254740993');
});

test('daily counts are summed per day over the shards, in day order', () => {
  const merged = mergeDaily([
    [{ day: '2026-01-02', messages: '3' }, { day: '2026-01-01', messages: '2' }],
    [{ day: '2026-01-01', messages: '5' }],
    [],
  ]);
  assert.equal(merged, [{ day: '2026-01-01', messages: '7' }, { day: '2026-01-02', messages: '3' }]);
});

test.run();

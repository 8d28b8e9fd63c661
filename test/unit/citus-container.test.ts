import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CITUS_IMAGE, citusClusterPlan, registrationStatements } from '../../db/citus-container.ts';
import { resolveTargetSpec } from '../../db/target.ts';

const plan = citusClusterPlan(CITUS_IMAGE, 12 * 1024 ** 3);

test('--target container:citus is the Citus cluster with the pinned image; a tagged image stays one server', () => {
  assert.equal(resolveTargetSpec({ target: 'container:citus' }, {}, '/x'), { kind: 'citus', image: CITUS_IMAGE });
  assert.equal(resolveTargetSpec({ target: 'container:citusdata/citus:13.0.2' }, {}, '/x'), { kind: 'container', image: 'citusdata/citus:13.0.2' });
  assert.match(CITUS_IMAGE, /^citusdata\/citus:\d+\.\d+\.\d+$/, 'the image is pinned to a release');
});

test('the cluster is one coordinator and two workers, each preloading citus first', () => {
  assert.equal(plan.nodes.map((n) => [n.alias, n.role]), [['coordinator', 'coordinator'], ['worker-1', 'worker'], ['worker-2', 'worker']]);
  for (const n of plan.nodes) {
    const i = n.command.indexOf(`shared_preload_libraries=${plan.settings.shared_preload_libraries}`);
    assert.ok(i > 0 && n.command[i - 1] === '-c', 'preload passed as a -c flag');
  }
  assert.match(plan.settings.shared_preload_libraries, /^citus(,|$)/);
  assert.is(plan.settings.shared_preload_libraries.split(',').filter((l) => l === 'citus').length, 1);
});

test('each node gets a share of the memory, not all of it', () => {
  const whole = citusClusterPlan(CITUS_IMAGE, 12 * 1024 ** 3, 0);
  assert.ok(plan.nodes[0].shmBytes <= whole.nodes[0].shmBytes);
  assert.is.not(plan.settings.shared_buffers, whole.settings.shared_buffers);
});

test('registration sets the node password first, then the coordinator host, then each worker', () => {
  const sql = registrationStatements(plan, 'secret');
  assert.is(sql.length, 4);
  assert.match(sql[0], /INSERT INTO pg_dist_authinfo/);
  assert.match(sql[0], /'password=secret'/);
  assert.is(sql[1], "SELECT citus_set_coordinator_host('coordinator', 5432)");
  assert.equal(sql.slice(2), ["SELECT citus_add_node('worker-1', 5432)", "SELECT citus_add_node('worker-2', 5432)"]);
});

test.run();

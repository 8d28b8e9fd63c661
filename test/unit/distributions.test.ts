// The log-normal quantile table must draw what the exact quantile draws, and the normal
// quantile behind it must match the textbook values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogNormal, normalQuantile } from '../../generators/distributions.ts';
import { Rng } from '../../generators/rng.ts';

const close = (got: number, want: number, rel: number, what: string) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: ${got}, expected ${want} (±${rel * 100} %)`);

test('normalQuantile matches known values of Φ⁻¹ and is symmetric', () => {
  // Φ⁻¹ at these p from Python's statistics.NormalDist().inv_cdf (Wichura's AS 241, ~1e-16).
  const known: Array<[number, number]> = [
    [0.975, 1.959963984540054],
    [0.8413447460685429, 1],
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
    [0.02425, -1.9729610513118845],
  ];
  for (const [p, z] of known) close(normalQuantile(p), z, 2e-9, `Φ⁻¹(${p})`);
  assert.is(normalQuantile(0.5), 0);
  assert.is(normalQuantile(0), -Infinity);
  for (const p of [1e-6, 0.01, 0.2, 0.49]) close(normalQuantile(1 - p), -normalQuantile(p), 1e-8, `symmetry at ${p}`);
});

test('LogNormal draws within 0.05 % of the exact quantile everywhere, tails included', () => {
  for (const sigma of [0.7, 1, 1.2, 1.5]) {
    const d = new LogNormal(Math.log(1000), sigma);
    let worst = 0;
    for (let k = 0; k < 400_000; k++) {
      const u = k / 400_000;
      const exact = d.exact(u);
      if (exact > 0) worst = Math.max(worst, Math.abs(d.at(u) - exact) / exact);
    }
    assert.ok(worst < 5e-4, `sigma ${sigma}: worst relative error ${worst}`);
    close(d.at(0.5), 1000, 1e-9, 'the median is e^mu');
  }
});

test('LogNormal drawn from uniforms has the mean and spread of a log-normal', () => {
  const d = new LogNormal(2, 1);
  const rng = new Rng(11, 3);
  const n = 400_000;
  let sum = 0;
  let sumLog = 0;
  let sumLog2 = 0;
  for (let i = 0; i < n; i++) {
    const x = d.at(rng.next());
    sum += x;
    sumLog += Math.log(x);
    sumLog2 += Math.log(x) ** 2;
  }
  const meanLog = sumLog / n;
  close(sum / n, Math.exp(2 + 0.5), 0.02, 'mean e^(mu + sigma²/2)');
  close(meanLog, 2, 0.01, 'mean of the log');
  close(Math.sqrt(sumLog2 / n - meanLog ** 2), 1, 0.01, 'sd of the log');
});

test.run();

/**
 * When transactions are meant to start in an open-loop test: an offered rate over time
 * (constant, or k6-style stages ramping linearly from one rate to the next) and arrivals
 * on it, Poisson or evenly spaced. Every intended start is computed from the run's start
 * (k6's `period × i`, wrk2's schedule), never from the previous timer tick, so a late
 * timer does not shift the schedule: the lateness is measured as schedule lag instead.
 */
import { PgscaleError } from '../../core/errors.ts';

/** One stage: ramp linearly to `rate` over `durationSeconds`. */
export interface Stage {
  durationSeconds: number;
  rate: number;
}

/** A duration flag: `90`, `90s`, `1500ms`, `2m`, `1h`, `1m30s` → seconds. */
export function parseDuration(flag: string, value: string): number {
  const text = value.trim();
  let seconds = 0;
  let rest = text;
  if (/^\d+(\.\d+)?$/.test(text)) seconds = Number(text);
  else {
    const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
    let m: RegExpExecArray | null;
    let any = false;
    while ((m = part.exec(rest))) {
      seconds += Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
      rest = rest.slice(m[0].length);
      any = true;
    }
    if (!any || rest !== '') seconds = NaN;
  }
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 7 * 86_400) {
    throw new PgscaleError('USAGE', `invalid ${flag} '${value}': expected a duration such as 30s, 1500ms, 2m or 1h`);
  }
  return seconds;
}

/** A rate flag: transactions per second, > 0. */
export function parseRate(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !(n > 0) || n > 10_000_000) {
    throw new PgscaleError('USAGE', `invalid --rate '${value}': expected transactions per second above 0, such as 500 or 2.5`, {
      hint: 'Leave --rate out for a closed loop (each client starts its next transaction when the last one ends).',
    });
  }
  return n;
}

/** `30s:100,60s:500,30s:0` → stages; each ramps linearly from the previous rate to its own. */
export function parseStages(value: string): Stage[] {
  const stages = value.split(',').map((part) => {
    const m = /^\s*([^:]+):\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!m) {
      throw new PgscaleError('USAGE', `invalid --stages '${value}': '${part}' is not DURATION:RATE`, {
        hint: 'Write stages as DURATION:RATE pairs separated by commas, e.g. --stages 30s:100,60s:500,30s:0 (ramp to 100/s over 30 s, to 500/s over 60 s, down to 0 over 30 s).',
      });
    }
    return { durationSeconds: parseDuration('--stages', m[1]), rate: Number(m[2]) };
  });
  if (stages.every((s) => s.rate === 0) || stages.reduce((a, s) => a + s.durationSeconds, 0) <= 0) {
    throw new PgscaleError('USAGE', `invalid --stages '${value}': the stages offer no transactions`, {
      hint: 'At least one stage needs a rate above 0 and a duration above 0.',
    });
  }
  return stages;
}

interface Segment {
  t0: number;
  t1: number;
  r0: number;
  r1: number;
  /** Cumulative expected arrivals at t0. */
  l0: number;
}

/**
 * Offered rate over time (seconds from the run's start) as piecewise-linear segments,
 * with its integral Λ(t) (expected arrivals by t) and Λ's inverse, so arrivals on a
 * varying rate are Λ⁻¹ of arrivals on a unit rate (the time-rescaling theorem).
 */
export class RateProfile {
  readonly segments: readonly Segment[];
  readonly endSeconds: number;

  /** `initialRate` from 0 s; then each stage ramps from the rate before it. */
  constructor(initialRate: number, stages: readonly Stage[], scale = 1) {
    const segs: Segment[] = [];
    let t = 0;
    let r = initialRate * scale;
    let l = 0;
    for (const s of stages) {
      const r1 = s.rate * scale;
      segs.push({ t0: t, t1: t + s.durationSeconds, r0: r, r1, l0: l });
      l += ((r + r1) / 2) * s.durationSeconds;
      t += s.durationSeconds;
      r = r1;
    }
    this.segments = segs;
    this.endSeconds = t;
  }

  /** A constant rate for `seconds`. */
  static constant(rate: number, seconds: number, scale = 1): RateProfile {
    return new RateProfile(rate, [{ durationSeconds: seconds, rate }], scale);
  }

  /** The offered rate at time t. */
  rateAt(t: number): number {
    for (const s of this.segments) {
      if (t < s.t1) return s.t1 === s.t0 ? s.r1 : s.r0 + ((s.r1 - s.r0) * (t - s.t0)) / (s.t1 - s.t0);
    }
    return 0;
  }

  /** Expected arrivals in [0, t). */
  cumulative(t: number): number {
    let last = 0;
    for (const s of this.segments) {
      if (t < s.t1) {
        const dt = t - s.t0;
        const slope = (s.r1 - s.r0) / (s.t1 - s.t0);
        return s.l0 + s.r0 * dt + (slope * dt * dt) / 2;
      }
      last = s.l0 + ((s.r0 + s.r1) / 2) * (s.t1 - s.t0);
    }
    return last;
  }

  /** The time by which `l` arrivals are expected, or Infinity past the end. */
  inverse(l: number): number {
    for (const s of this.segments) {
      const dl = l - s.l0;
      const total = ((s.r0 + s.r1) / 2) * (s.t1 - s.t0);
      if (dl >= total) continue;
      if (dl <= 0) return s.t0;
      const a = (s.r1 - s.r0) / (s.t1 - s.t0) / 2;
      if (Math.abs(a) < 1e-12) return s.t0 + dl / s.r0;
      // a·dt² + r0·dt − dl = 0, the root in [0, t1 − t0] (written to avoid cancellation).
      const disc = Math.sqrt(Math.max(0, s.r0 * s.r0 + 4 * a * dl));
      return s.t0 + (2 * dl) / (s.r0 + disc);
    }
    return Infinity;
  }
}

/**
 * Intended start times (seconds from the run's start) on a rate profile: Poisson
 * (exponential gaps, drawn from `uniform`) or uniform (evenly spaced, shifted by `phase`
 * in [0, 1) so several threads interleave).
 */
export class Arrivals {
  private readonly profile: RateProfile;
  private readonly poisson: boolean;
  private readonly uniform: () => number;
  private l: number;

  constructor(profile: RateProfile, kind: 'poisson' | 'uniform', uniform: () => number, phase = 0) {
    this.profile = profile;
    this.poisson = kind === 'poisson';
    this.uniform = uniform;
    this.l = this.poisson ? 0 : phase - 1;
  }

  /** The next intended start, or Infinity when the profile has ended. */
  next(): number {
    this.l += this.poisson ? -Math.log(1 - this.uniform()) : 1;
    return this.profile.inverse(this.l);
  }
}

/**
 * How long messages are, per role: a log-normal in tokens per kind of text, calibrated to
 * published figures (docs/design.md, "Message content"), and the characters-per-token
 * ratio token_count follows. A pool of n entries takes the length at each of n evenly
 * spaced quantiles ((i + ½) / n), so a uniform draw from the pool has the model's
 * distribution, tail included, whatever the seed.
 */
import { normalQuantile } from './distributions.ts';

/**
 * Characters per token of English text: OpenAI's rule of thumb ("one token generally
 * corresponds to ~4 characters of common English text"). token_count is the text's length
 * over this, rounded up; non-Latin scripts take more tokens a character in real
 * tokenizers, which this understates (they are ~10 % of messages).
 */
export const CHARS_PER_TOKEN = 4;

/** A length model: log-normal in tokens with this mean and shape, clamped to [min, max] characters. */
export interface LengthModel {
  meanTokens: number;
  /** Sigma of the underlying normal: the tail's weight (1 ≈ p99 at 10× the median). */
  sigma: number;
  minChars: number;
  maxChars: number;
}

/**
 * The length of each kind of message. User and assistant means are LMSYS-Chat-1M's (Zheng
 * et al., 2023, Table 1: 69.5 tokens a prompt, 214.5 a response); the sigmas give the
 * long tails of pasted code and documents (a prompt's p99 about 2 kB, a reply's about
 * 6 kB, the longest replies tens of kB). System prompts, tool results and summaries are
 * long by design: see docs/design.md for each.
 */
export const LENGTHS = {
  user: { meanTokens: 70, sigma: 1.2, minChars: 2, maxChars: 32_768 },
  assistant: { meanTokens: 215, sigma: 1.1, minChars: 8, maxChars: 65_536 },
  tool: { meanTokens: 250, sigma: 1.2, minChars: 24, maxChars: 65_536 },
  system: { meanTokens: 600, sigma: 0.8, minChars: 200, maxChars: 32_768 },
  summary: { meanTokens: 500, sigma: 0.5, minChars: 400, maxChars: 16_384 },
} as const satisfies Record<string, LengthModel>;

/** Target lengths in characters of a pool of n entries: the model's quantiles at (i + ½) / n. */
export function poolLengths(model: LengthModel, n: number): number[] {
  // mean = e^(mu + sigma²/2)
  const mu = Math.log(model.meanTokens) - model.sigma ** 2 / 2;
  return Array.from({ length: n }, (_, i) => {
    const tokens = Math.exp(mu + model.sigma * normalQuantile((i + 0.5) / n));
    return Math.min(model.maxChars, Math.max(model.minChars, Math.round(tokens * CHARS_PER_TOKEN)));
  });
}

/** token_count of a text of `chars` characters. */
export function tokensOf(chars: number): number {
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN));
}

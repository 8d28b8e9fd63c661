/**
 * English-like text from Faker's English word lists (adjectives, nouns, verbs, adverbs,
 * prepositions, conjunctions, interjections) and the few function words that make up
 * much of any English text ("the", "to", "you", "is"). Sentences follow a handful of
 * simple patterns; content words are drawn Zipf-skewed, as in real text, so a paragraph
 * repeats its common words about as prose does (which is what compression sees). Drawn
 * with the seeded PRNG at start-up, when the pools are built: never per row.
 */
import { faker as fakerEN } from '@faker-js/faker/locale/en';
import { zipfRank } from './distributions.ts';
import type { Rng } from './rng.ts';

// Function words by rough frequency (the most common words of English are these).
const DET = ['the', 'the', 'the', 'the', 'a', 'a', 'this', 'that', 'your', 'our', 'each', 'every', 'any', 'some'];
const PRONOUN = ['I', 'you', 'we', 'they', 'it', 'you', 'we'];
const AUX = ['can', 'should', 'will', 'might', 'would', 'could', 'must', 'do not', 'need to', 'want to', 'have to'];
const BE = ['is', 'is', 'was', 'seems', 'looks', 'is not', 'was not', 'becomes'];
const OPENER = ['Sure', 'Yes', 'Okay', 'Thanks', 'Also', 'However', 'In short', 'For example', 'Note that', 'Then', 'First', 'Finally'];

/** A word list whose first entries are drawn most: Zipf over a seeded shuffle of the list. */
class Vocabulary {
  private readonly words: readonly string[];
  constructor(
    list: readonly string[],
    rng: Rng,
    private readonly skew: number,
  ) {
    const w = list.filter((x) => /^[a-z][a-z-]*$/.test(x));
    for (let i = w.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [w[i], w[j]] = [w[j], w[i]];
    }
    this.words = w;
  }
  pick(rng: Rng): string {
    return this.words[zipfRank(rng.next(), this.words.length, this.skew)];
  }
}

/** Writes English-like sentences and paragraphs from one seeded stream. */
export class Prose {
  private readonly adj: Vocabulary;
  private readonly noun: Vocabulary;
  private readonly verb: Vocabulary;
  private readonly adverb: Vocabulary;
  private readonly prep: Vocabulary;
  private readonly conj: Vocabulary;
  private readonly interj: Vocabulary;

  constructor(private readonly rng: Rng) {
    const w = fakerEN.definitions.word!;
    this.adj = new Vocabulary(w.adjective!, rng, 1.0);
    this.noun = new Vocabulary(w.noun!, rng, 1.0);
    this.verb = new Vocabulary(w.verb!, rng, 1.0);
    this.adverb = new Vocabulary(w.adverb!, rng, 1.1);
    this.prep = new Vocabulary(w.preposition!.filter((p) => p.length > 1), rng, 1.3);
    this.conj = new Vocabulary(w.conjunction!, rng, 1.3);
    this.interj = new Vocabulary(w.interjection!, rng, 1.1);
  }

  private of<T>(list: readonly T[]): T {
    return list[this.rng.int(list.length)];
  }

  /** A noun phrase: determiner, sometimes an adjective, a noun. */
  private phrase(): string {
    return this.rng.chance(0.45) ? `${this.of(DET)} ${this.adj.pick(this.rng)} ${this.noun.pick(this.rng)}` : `${this.of(DET)} ${this.noun.pick(this.rng)}`;
  }

  /** A word or two, lower case: for titles, reminders and short commands. */
  words(n: number): string {
    return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? this.noun : this.adj).pick(this.rng)).join(' ');
  }

  /** One sentence, capitalised and punctuated. */
  sentence(): string {
    const r = this.rng.int(8);
    const rng = this.rng;
    let s: string;
    if (r === 0) s = `${this.phrase()} ${this.of(AUX)} ${this.verb.pick(rng)} ${this.phrase()} ${this.prep.pick(rng)} ${this.phrase()}.`;
    else if (r === 1) s = `${this.of(PRONOUN)} ${this.of(AUX)} ${this.verb.pick(rng)} ${this.phrase()} ${this.conj.pick(rng)} ${this.of(PRONOUN)} ${this.of(AUX)} ${this.verb.pick(rng)} it ${this.adverb.pick(rng)}.`;
    else if (r === 2) s = `${this.phrase()} ${this.of(BE)} ${this.adj.pick(rng)} ${this.conj.pick(rng)} ${this.phrase()} ${this.of(BE)} ${this.adj.pick(rng)}.`;
    else if (r === 3) s = `${this.of(OPENER)}, ${this.of(PRONOUN)} ${this.of(AUX)} ${this.verb.pick(rng)} ${this.phrase()} ${this.prep.pick(rng)} ${this.phrase()}.`;
    else if (r === 4) s = `can you ${this.verb.pick(rng)} ${this.phrase()} ${this.prep.pick(rng)} ${this.phrase()}?`;
    else if (r === 5) s = `${this.interj.pick(rng)}, ${this.phrase()} ${this.of(BE)} ${this.adverb.pick(rng)} ${this.adj.pick(rng)}!`;
    else if (r === 6) s = `to ${this.verb.pick(rng)} ${this.phrase()}, ${this.of(PRONOUN)} ${this.of(AUX)} ${this.verb.pick(rng)} ${this.phrase()} first.`;
    else s = `${this.of(PRONOUN)} ${this.of(AUX)} ${this.verb.pick(rng)} ${this.phrase()} ${this.adverb.pick(rng)}.`;
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  /** Sentences until the text is at least `chars` long. */
  sentences(chars: number): string {
    let s = this.sentence();
    while (s.length < chars) s += ` ${this.sentence()}`;
    return s;
  }

  /** Paragraphs of two to six sentences, blank-line separated, until at least `chars` long. */
  paragraphs(chars: number): string {
    const out: string[] = [];
    let n = 0;
    do {
      const k = 2 + this.rng.int(5);
      const p = Array.from({ length: k }, () => this.sentence()).join(' ');
      out.push(p);
      n += p.length + 2;
    } while (n < chars);
    return out.join('\n\n');
  }

  /** A noun, for identifiers. */
  noun1(): string {
    return this.noun.pick(this.rng);
  }

  /** A verb, for identifiers and tool names. */
  verb1(): string {
    return this.verb.pick(this.rng);
  }
}

/**
 * Vocabularies built once with Faker at start-up, from the seed: names, companies, titles
 * and whole chat messages, escaped for COPY once and kept as bytes. Row loops draw from
 * these pools with the seeded PRNG: never a Faker call per row (a Faker call costs far more than a row).
 *
 * Message lengths follow lengths.ts (per role, calibrated to published chat logs) and
 * the text is English-like (prose.ts). It carries what real chat carries: quotes, tabs,
 * newlines, backslashes, emoji, code snippets, JSON, and non-Latin scripts.
 */
// One module per locale: the package's main entry loads all 70 locales (~38 MB of RSS),
// these eleven take about half of that (measured with twelve: ~19 MB).
import type { Faker } from '@faker-js/faker';
import { faker as fakerAR } from '@faker-js/faker/locale/ar';
import { faker as fakerDE } from '@faker-js/faker/locale/de';
import { faker as fakerEN } from '@faker-js/faker/locale/en';
import { faker as fakerES } from '@faker-js/faker/locale/es';
import { faker as fakerFR } from '@faker-js/faker/locale/fr';
import { faker as fakerHE } from '@faker-js/faker/locale/he';
import { faker as fakerJA } from '@faker-js/faker/locale/ja';
import { faker as fakerKO } from '@faker-js/faker/locale/ko';
import { faker as fakerPT_BR } from '@faker-js/faker/locale/pt_BR';
import { faker as fakerRU } from '@faker-js/faker/locale/ru';
import { faker as fakerZH_CN } from '@faker-js/faker/locale/zh_CN';
import { escapeCopyText } from './copytext.ts';
import { KEY } from './identity.ts';
import { type LengthModel, LENGTHS, poolLengths, tokensOf } from './lengths.ts';
import { Prose } from './prose.ts';
import { Rng } from './rng.ts';

/** One pool entry: COPY-escaped bytes, the size of the raw text, and its LLM token count. */
export interface Entry {
  bytes: Buffer;
  chars: number;
  /** The text's LLM token count at lengths.ts CHARS_PER_TOKEN. */
  tokens: number;
}

export interface Pools {
  userMessages: Entry[];
  assistantMessages: Entry[];
  toolMessages: Entry[];
  systemMessages: Entry[];
  titles: Entry[];
  personNames: Entry[];
  companies: Entry[];
  slugs: Entry[];
  emails: Entry[];
  locales: Entry[];
  taskTitles: Entry[];
  reasons: Entry[];
  eventProperties: Entry[];
  /** Episodic memories and compaction summaries. */
  summaryMessages: Entry[];
}

export const POOL_SIZE = 4096;

const EMOJI = ['👍', '😀', '🎉', '🙏', '🚀', '❤️', '🤖', '📅', '✅', '🔥', '😅', '👀', '🇯🇵', '👩‍💻', '🧾'];
// Locales whose Faker lorem is in their own script (zh_CN's and el's fall back to Latin lorem).
const FOREIGN: Faker[] = [fakerJA, fakerRU, fakerAR, fakerKO, fakerHE];
const FOREIGN_WORDS: ReadonlyArray<readonly string[]> = FOREIGN.map((f) => f.definitions.lorem!.word!);
const NAME_LOCALES: Faker[] = [fakerEN, fakerEN, fakerEN, fakerDE, fakerFR, fakerES, fakerPT_BR, fakerJA, fakerRU, fakerAR, fakerZH_CN, fakerKO];
const LOCALE_CODES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'pt-BR', 'ja-JP', 'ru-RU', 'ar-SA', 'zh-CN', 'ko-KR', 'he-IL'];

function entry(s: string): Entry {
  return { bytes: Buffer.from(escapeCopyText(s), 'utf8'), chars: s.length, tokens: tokensOf(s.length) };
}

/** What writes a pool's text: Faker for names and odd phrases, Prose for English, the seeded stream for choices. */
interface Writers {
  f: Faker;
  prose: Prose;
  rng: Rng;
}

/** Sentences of one locale's lorem words until at least `chars` long (words drawn with the seeded stream: a Faker call per sentence made the pools twice as slow to build). */
function foreignText(w: Writers, chars: number): string {
  const { rng } = w;
  const words = FOREIGN_WORDS[rng.int(FOREIGN_WORDS.length)];
  let s = '';
  while (s.length < chars) {
    const n = 3 + rng.int(8);
    let sentence = words[rng.int(words.length)];
    for (let i = 1; i < n; i++) sentence += ` ${words[rng.int(words.length)]}`;
    s += `${s ? ' ' : ''}${sentence}.`;
  }
  return s;
}

/** `s`, then English sentences until it is at least `chars` long. */
function fill(w: Writers, s: string, chars: number, sep = ' '): string {
  return s.length >= chars ? s : `${s}${sep}${w.prose.sentences(chars - s.length - sep.length)}`;
}

function emoji(w: Writers): string {
  return EMOJI[w.rng.int(EMOJI.length)];
}

/** A fenced code block of about `chars` characters, with tabs, backslash escapes and quotes as real code has. */
function codeBlock(w: Writers, chars: number): string {
  const { f, prose, rng } = w;
  const v = prose.noun1().replace(/\W+/g, '_');
  const lang = rng.int(4);
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < chars; i++) {
    const fn = `${prose.verb1()}_${prose.noun1()}`.replace(/\W+/g, '_');
    const l = [
      [`const ${v}${i} = await fetch("/api/${prose.noun1()}/${i}");`, `const re = /\\d+\\t\\w*/g;`, `console.log('tab:\\t', ${v}${i}.status); // ${prose.sentence()}`],
      [`SELECT * FROM ${v} WHERE name = 'O''Brien' AND path LIKE 'C:\\\\temp\\\\%' AND id = ${i};`, `-- ${prose.sentence()}`],
      [`def ${fn}(${v}):`, `\tfor i in range(${f.number.int(10)}):`, `\t\tprint(f"{i}\\t{${v}[i]}")  # ${prose.sentence()}`],
      [`  "${prose.noun1()}": { "id": "${f.string.uuid()}", "count": ${f.number.int(999)}, "note": "${prose.words(3)}" },`],
    ][lang];
    for (const x of l) {
      lines.push(x);
      n += x.length + 1;
    }
  }
  return `\`\`\`${['ts', 'sql', 'python', 'json'][lang]}\n${lines.join('\n')}\n\`\`\``;
}

function userMessage(w: Writers, chars: number): string {
  const { f, prose, rng } = w;
  const r = rng.int(100);
  if (r < 11) return foreignText(w, chars);
  if (r < 18) return `${prose.sentences(chars - 3)} ${emoji(w)}`;
  if (r < 24) return fill(w, `He said "${prose.sentence()}" and then '${prose.words(2)}'. Is that right?`, chars);
  if (r < 28) return fill(w, `Please open C:\\Users\\${f.person.firstName()}\\Documents\\${f.system.commonFileName('xlsx')} and check row ${f.number.int(500)}.`, chars);
  if (r < 32) {
    let s = 'id\tname\tamount';
    for (let i = 1; s.length < chars || i < 3; i++) s += `\n${i}\t${f.person.fullName()}\t${f.finance.amount()}`;
    return s;
  }
  if (r < 38) return fill(w, `remind me to ${prose.words(3)} at ${f.number.int({ min: 7, max: 21 })}:${String(f.number.int(59)).padStart(2, '0')} ${emoji(w)}`, chars);
  if (r < 45) return `why does this fail?\n${chars > 400 ? codeBlock(w, chars - 60) : `\`${prose.verb1()}(${JSON.stringify(prose.noun1())})\``} → ${f.hacker.abbreviation()} error`;
  if (r < 50) return fill(w, prose.sentence(), chars, '\r\n');
  // The long tail of prompts is pasted documents: paragraphs.
  if (chars > 1500) return `${prose.sentence()} Here is the text:\n\n${prose.paragraphs(chars - 80)}`;
  return prose.sentences(chars);
}

function assistantMessage(w: Writers, chars: number): string {
  const { f, prose, rng } = w;
  const r = rng.int(100);
  if (r < 10) return foreignText(w, chars);
  if (r < 28) {
    const intro = `Sure! ${prose.sentence()}\n\n`;
    return fill(w, `${intro}${codeBlock(w, Math.max(40, (chars - intro.length) * 0.6))}\n\n${prose.sentence()}`, chars);
  }
  if (r < 42) {
    let s = 'Here is what I found:';
    while (s.length < chars) s += `\n- ${prose.sentence()}`;
    return s;
  }
  if (r < 46) return fill(w, `I've scheduled "${prose.words(3)}" for ${f.date.weekday()} at ${f.number.int({ min: 7, max: 20 })}:00 ✅`, chars);
  if (r < 50) return fill(w, `The file is at \\\\fileserver\\shared\\${f.system.fileName()} — path separators are backslashes on Windows.`, chars);
  if (r < 60) {
    let s = '';
    while (s.length < chars) s += `${s ? '\n\n' : ''}## ${prose.words(2)}\n\n${prose.paragraphs(Math.min(600, chars - s.length))}`;
    return s;
  }
  return prose.paragraphs(chars);
}

/** A tool's result: mostly JSON, with records until it is about `chars` long; else plain text. */
function toolMessage(w: Writers, chars: number): string {
  const { f, prose, rng } = w;
  if (rng.chance(0.15)) return `Search results:\n${prose.sentences(chars)}`;
  const items: object[] = [];
  const out = { tool: `${prose.verb1()}_${prose.noun1()}`, ok: f.datatype.boolean(0.95), result: { rows: 0, items } };
  let n = 60;
  while (n < chars) {
    const item = { id: f.string.uuid(), name: f.person.fullName(), amount: Number(f.finance.amount()), note: prose.sentence(), updated_at: f.date.recent({ refDate: '2025-06-01' }).toISOString() };
    items.push(item);
    n += JSON.stringify(item).length + 1;
  }
  out.result.rows = items.length;
  return JSON.stringify(out);
}

/** A system prompt: who the assistant is, then rules until it is about `chars` long. */
function systemPrompt(w: Writers, chars: number): string {
  const { f, prose } = w;
  let s = `You are ${f.person.firstName()}, a helpful assistant for ${f.company.name()}. ${prose.sentence()} Answer in ${f.helpers.arrayElement(LOCALE_CODES)}.\n\n## Rules`;
  while (s.length < chars) s += `\n- ${prose.sentence()}`;
  return s;
}

/** An episodic memory or a compaction: what the conversation so far was about, at length. */
function summary(w: Writers, chars: number): string {
  const { prose } = w;
  let s = `Summary of the conversation so far: ${prose.sentence()}\n\nKey points:`;
  for (let i = 0; i < 3; i++) s += `\n- ${prose.sentence()}`;
  return `${s}\n\n${prose.paragraphs(chars - s.length - 2)}`;
}

function build<T>(n: number, make: () => T): T[] {
  return Array.from({ length: n }, make);
}

/** A pool whose entries have the model's lengths (lengths.ts poolLengths), each written by `make`. */
function sized(w: Writers, model: LengthModel, n: number, make: (w: Writers, chars: number) => string): Entry[] {
  return poolLengths(model, n).map((chars) => entry(make(w, chars)));
}

/** Build every pool from the seed. Deterministic: the same seed gives byte-identical pools. */
export function buildPools(seed: number): Pools {
  const f = fakerEN;
  f.seed(seed);
  for (const loc of [...FOREIGN, ...NAME_LOCALES]) loc.seed(seed);
  const rng = new Rng(seed, KEY.prose);
  const w: Writers = { f, prose: new Prose(rng), rng };
  const { prose } = w;
  const companies = build(1024, () => f.company.name());
  const names = build(POOL_SIZE, () => NAME_LOCALES[f.number.int(NAME_LOCALES.length - 1)].person.fullName());
  return {
    userMessages: sized(w, LENGTHS.user, POOL_SIZE, userMessage),
    assistantMessages: sized(w, LENGTHS.assistant, POOL_SIZE, assistantMessage),
    toolMessages: sized(w, LENGTHS.tool, 1024, toolMessage),
    systemMessages: sized(w, LENGTHS.system, 256, systemPrompt),
    titles: build(2048, () => entry(f.helpers.arrayElement([f.company.catchPhrase(), `Help with ${prose.words(2)}`, FOREIGN[f.number.int(FOREIGN.length - 1)].lorem.words(3)]))),
    personNames: names.map((s) => entry(s)),
    companies: companies.map((s) => entry(s)),
    slugs: companies.map((c, i) => entry(`${c.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${i}`)),
    emails: names.map((_, i) => entry(`${f.internet.username().toLowerCase()}${i}@${f.internet.domainName()}`)),
    locales: LOCALE_CODES.map((s) => entry(s)),
    taskTitles: build(2048, () => entry(`${f.hacker.verb()} ${f.hacker.adjective()} ${f.hacker.noun()}`)),
    reasons: build(512, () => entry(prose.sentence())),
    eventProperties: build(1024, () =>
      entry(JSON.stringify({ latency_ms: f.number.int({ min: 40, max: 4000 }), tokens: f.number.int(4000), model: f.helpers.arrayElement(['gpt-4o', 'claude-sonnet-4', 'gemini-2.0', 'llama3']), ok: f.datatype.boolean(0.97) })),
    ),
    summaryMessages: sized(w, LENGTHS.summary, 256, summary),
  };
}

const cache = new Map<number, Pools>();
/** Pools for a seed, built on first use and kept for the process. */
export function poolsFor(seed: number): Pools {
  let p = cache.get(seed);
  if (!p) {
    p = buildPools(seed);
    cache.set(seed, p);
  }
  return p;
}

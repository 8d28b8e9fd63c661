/**
 * Vocabularies built once with Faker at start-up, from the seed: names, companies, titles
 * and whole chat messages, escaped for COPY once and kept as bytes. Row loops draw from
 * these pools with the seeded PRNG: never a Faker call per row (a Faker call costs far more than a row).
 *
 * Message text carries what real chat carries: quotes, tabs, newlines, backslashes,
 * emoji, code snippets, JSON, and non-Latin scripts.
 */
// One module per locale: the package's main entry loads all 70 locales (~38 MB of RSS),
// these twelve take ~19 MB.
import type { Faker } from '@faker-js/faker';
import { faker as fakerAR } from '@faker-js/faker/locale/ar';
import { faker as fakerDE } from '@faker-js/faker/locale/de';
import { faker as fakerEL } from '@faker-js/faker/locale/el';
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

/** One pool entry: COPY-escaped bytes, the size of the raw text, and its LLM token count. */
export interface Entry {
  bytes: Buffer;
  chars: number;
  /** About four characters a token, with a little jitter: fixed per entry. */
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
  prompts: Entry[];
}

export const POOL_SIZE = 4096;

const EMOJI = ['👍', '😀', '🎉', '🙏', '🚀', '❤️', '🤖', '📅', '✅', '🔥', '😅', '👀', '🇯🇵', '👩‍💻', '🧾'];
const FOREIGN: Faker[] = [fakerJA, fakerRU, fakerAR, fakerZH_CN, fakerKO, fakerHE, fakerEL];
const NAME_LOCALES: Faker[] = [fakerEN, fakerEN, fakerEN, fakerDE, fakerFR, fakerES, fakerPT_BR, fakerJA, fakerRU, fakerAR, fakerZH_CN, fakerKO];
const LOCALE_CODES = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'pt-BR', 'ja-JP', 'ru-RU', 'ar-SA', 'zh-CN', 'ko-KR', 'he-IL'];

function entry(s: string, i = s.length): Entry {
  return { bytes: Buffer.from(escapeCopyText(s), 'utf8'), chars: s.length, tokens: Math.ceil(s.length / 4) + (Math.imul(i, 2654435761) >>> 29) };
}

function userMessage(f: Faker): string {
  const r = f.number.int(99);
  const foreign = FOREIGN[f.number.int(FOREIGN.length - 1)];
  if (r < 12) return foreign.lorem.sentence();
  if (r < 20) return `${f.hacker.phrase()} ${f.helpers.arrayElement(EMOJI)}`;
  if (r < 27) return `He said "${f.lorem.sentence()}" and then '${f.lorem.words(2)}'. Is that right?`;
  if (r < 32) return `Please open C:\\Users\\${f.person.firstName()}\\Documents\\${f.system.commonFileName('xlsx')} and check row ${f.number.int(500)}`;
  if (r < 37) return `id\tname\tamount\n1\t${f.person.fullName()}\t${f.finance.amount()}\n2\t${f.person.fullName()}\t${f.finance.amount()}`;
  if (r < 45) return `remind me to ${f.lorem.words(3)} at ${f.number.int({ min: 7, max: 21 })}:${String(f.number.int(59)).padStart(2, '0')} ${f.helpers.arrayElement(EMOJI)}`;
  if (r < 52) return `why does this fail?\n\`${f.hacker.verb()}(${JSON.stringify(f.lorem.word())})\` → ${f.hacker.abbreviation()} error`;
  if (r < 60) return f.lorem.sentences({ min: 1, max: 2 });
  if (r < 70) return `Can you ${f.hacker.verb()} the ${f.hacker.noun()} for ${f.person.firstName()}?`;
  if (r < 78) return `${f.word.interjection()}! ${f.company.buzzPhrase()}?`;
  if (r < 84) return `${f.lorem.sentence()} ${f.helpers.arrayElement(EMOJI)}${f.helpers.arrayElement(EMOJI)}`;
  if (r < 90) return f.lorem.words(f.number.int({ min: 1, max: 6 }));
  return `${f.lorem.sentence()}\r\n${f.lorem.sentence()}`;
}

function codeSnippet(f: Faker): string {
  const v = f.hacker.noun().replace(/\W+/g, '_');
  return f.helpers.arrayElement([
    `\`\`\`ts\nconst ${v} = await fetch("/api/${f.lorem.word()}");\nconst re = /\\d+\\t\\w*/g;\nconsole.log('tab:\\t', ${v}.status);\n\`\`\``,
    `\`\`\`sql\nSELECT * FROM ${v}\nWHERE name = 'O''Brien' AND path LIKE 'C:\\\\temp\\\\%';\n\`\`\``,
    `\`\`\`python\nfor i in range(${f.number.int(10)}):\n\tprint(f"{i}\\t{i*i}")\n\`\`\``,
    `\`\`\`json\n${JSON.stringify({ status: 'ok', id: f.string.uuid(), items: [f.number.int(9), f.number.int(9)], note: f.lorem.words(2) }, null, 2)}\n\`\`\``,
  ]);
}

function assistantMessage(f: Faker): string {
  const r = f.number.int(99);
  const foreign = FOREIGN[f.number.int(FOREIGN.length - 1)];
  if (r < 10) return `${foreign.lorem.sentences({ min: 2, max: 4 })}`;
  if (r < 25) return `Sure! ${f.lorem.sentence()}\n\n${codeSnippet(f)}\n\n${f.lorem.sentence()}`;
  if (r < 40) {
    const items = Array.from({ length: f.number.int({ min: 2, max: 5 }) }, () => `- ${f.lorem.sentence()}`);
    return `Here is what I found:\n${items.join('\n')}`;
  }
  if (r < 48) return `I've scheduled "${f.lorem.words(3)}" for ${f.date.weekday()} at ${f.number.int({ min: 7, max: 20 })}:00 ✅`;
  if (r < 55) return `The file is at \\\\fileserver\\shared\\${f.system.fileName()} — path separators are backslashes on Windows.`;
  return f.lorem.paragraph({ min: 1, max: 4 });
}

function build<T>(n: number, make: () => T): T[] {
  return Array.from({ length: n }, make);
}

/** Build every pool from the seed. Deterministic: the same seed gives byte-identical pools. */
export function buildPools(seed: number): Pools {
  const f = fakerEN;
  f.seed(seed);
  for (const loc of [...FOREIGN, ...NAME_LOCALES]) loc.seed(seed);
  const companies = build(1024, () => f.company.name());
  const names = build(POOL_SIZE, () => NAME_LOCALES[f.number.int(NAME_LOCALES.length - 1)].person.fullName());
  return {
    userMessages: build(POOL_SIZE, () => entry(userMessage(f))),
    assistantMessages: build(POOL_SIZE, () => entry(assistantMessage(f))),
    toolMessages: build(256, () =>
      entry(JSON.stringify({ tool: f.hacker.verb(), ok: f.datatype.boolean(), result: { rows: f.number.int(100), note: f.lorem.words(3) } })),
    ),
    systemMessages: build(64, () => entry(`You are a helpful assistant for ${f.company.name()}. ${f.lorem.sentence()}`)),
    titles: build(2048, () => entry(f.helpers.arrayElement([f.company.catchPhrase(), `Help with ${f.lorem.words(2)}`, FOREIGN[f.number.int(6)].lorem.words(3)]))),
    personNames: names.map(entry),
    companies: companies.map(entry),
    slugs: companies.map((c, i) => entry(`${c.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${i}`)),
    emails: names.map((_, i) => entry(`${f.internet.username().toLowerCase()}${i}@${f.internet.domainName()}`)),
    locales: LOCALE_CODES.map(entry),
    taskTitles: build(2048, () => entry(`${f.hacker.verb()} ${f.hacker.adjective()} ${f.hacker.noun()}`)),
    reasons: build(512, () => entry(f.lorem.sentence())),
    eventProperties: build(1024, () =>
      entry(JSON.stringify({ latency_ms: f.number.int({ min: 40, max: 4000 }), tokens: f.number.int(4000), model: f.helpers.arrayElement(['gpt-4o', 'claude-sonnet-4', 'gemini-2.0', 'llama3']), ok: f.datatype.boolean(0.97) })),
    ),
    prompts: build(128, () => entry(`You are ${f.person.firstName()}, ${f.company.catchPhrase().toLowerCase()}. Answer in ${f.helpers.arrayElement(LOCALE_CODES)}.`)),
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

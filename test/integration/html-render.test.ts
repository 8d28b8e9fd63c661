/**
 * report.html in a real browser: Debian's headless Chromium driven by playwright-core
 * (which downloads no browser of its own). Skipped, with the reason printed, when
 * /usr/bin/chromium is not installed; .ci/run installs it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderHtml } from '../../reports/html.ts';
import { growRelation, slowDownQuery, syntheticResults } from '../fixtures/synthetic-results.ts';

/** Debian's Chromium; PGSCALE_CHROMIUM points elsewhere (or at nothing, to see the skip). */
const CHROMIUM = process.env.PGSCALE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Loaded {
  page: Page;
  errors: string[];
  requests: string[];
}

let browser: Browser | undefined;
const dir = mkdtempSync(join(tmpdir(), 'pgscale-html-'));

async function open(html: string, name: string): Promise<Loaded> {
  const path = join(dir, name);
  writeFileSync(path, html);
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, errors, requests };
}

/** A realistic night: a baseline, a history with one change, an errored scenario. */
function realistic() {
  const history = Array.from({ length: 10 }, (_, i) => {
    const r = syntheticResults({ sampleSeed: 700 + i, startedAt: `2025-05-${String(10 + i).padStart(2, '0')}T02:00:00Z` });
    return i >= 6 ? slowDownQuery(r, 'enum-storage', 'varchar', 'eq-filter', 1.5) : r;
  });
  const baseline = history[9];
  const current = growRelation(slowDownQuery(syntheticResults({ sampleSeed: 800, startedAt: '2025-05-20T02:00:00Z' }), 'enum-storage', 'varchar', 'eq-filter', 1.5), 'time-index', 'brin', 'idx_messages_created_at', 1.2);
  return { history, baseline, current };
}

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.log(`html-render: skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
const it = haveChromium ? test : test.skip;

it('the HTML report loads in headless Chromium without a console error or a network request', async () => {
  const { history, baseline, current } = realistic();
  const { page, errors, requests } = await open(renderHtml(current, { baseline, history }), 'full.html');
  assert.equal(errors, []);
  assert.equal(requests.filter((u) => !u.startsWith('file:')), [], 'opens offline');
  assert.is(await page.title(), 'pgscale report — scale 1,000,000');
  await page.close();
});

it('every chart kind is drawn with visible data', async () => {
  const { history, baseline, current } = realistic();
  const { page } = await open(renderHtml(current, { baseline, history }), 'charts.html');
  assert.ok((await page.locator('rect.bar').count()) >= 30, 'size bars');
  assert.ok((await page.locator('rect.box').count()) >= 70, 'latency boxes');
  assert.ok((await page.locator('path.series').count()) >= 20, 'lines');
  assert.ok((await page.locator('line.marker').count()) >= 1, 'a change point is marked');
  // Laid out by the browser, not just present in the markup: the first bar has a real width.
  const box = await page.locator('rect.bar').first().boundingBox();
  assert.ok(box && box.width > 10 && box.height > 5, JSON.stringify(box));
  await page.close();
});

it('a plan opens when its summary is clicked', async () => {
  const { current } = realistic();
  const { page } = await open(renderHtml(current), 'plans.html');
  const plan = page.locator('details.plan').first();
  assert.not.ok(await plan.locator('pre').isVisible());
  await plan.locator('summary').click();
  assert.ok(await plan.locator('pre').isVisible());
  assert.match((await plan.locator('pre').textContent()) ?? '', 'Node Type');
  await page.close();
});

it('an errored scenario renders its error and the page stays error-free', async () => {
  const { current } = realistic();
  current.scenarios[1] = { name: 'time-index', status: 'errored', finding: '', error: { message: 'could not extend file: No space left on device', sqlstate: '53100' }, variants: [] };
  const { page, errors } = await open(renderHtml(current), 'errored.html');
  assert.equal(errors, []);
  assert.match((await page.locator('#scenario-time-index .error').textContent()) ?? '', 'No space left on device');
  assert.ok((await page.locator('#scenario-enum-storage rect.bar').count()) > 0);
  await page.close();
});

test.after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

test.run();

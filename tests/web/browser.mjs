// Browser end-to-end test of the qimg gallery (issue 11), run by web_browser_test.cc against a
// `qimg serve` over its fixture library:
//   node browser.mjs BASE_URL ARTIFACT_DIR HOSTILE_OCR_TEXT
// Headless Chromium (Debian's /usr/bin/chromium) through playwright-core. Exits 0 when every
// check passes; prints each step and the screenshot paths. Deterministic: fixed viewport,
// reduced motion, waits on DOM state (never on time).
import { chromium } from 'playwright-core';
import path from 'node:path';

const [base, artifacts, hostileOcr] = process.argv.slice(2);
if (!base || !artifacts || !hostileOcr) {
  console.error('usage: node browser.mjs BASE_URL ARTIFACT_DIR HOSTILE_OCR_TEXT');
  process.exit(2);
}
const executablePath = process.env.QIMG_CHROMIUM || '/usr/bin/chromium';
const T = 15000;  // per wait; the whole run takes a few seconds

let failures = 0;
function check(ok, what) {
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
  if (!ok) failures++;
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // Root in a container has no user namespaces for Chromium's sandbox.
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
});
const problems = [];  // script errors, CSP violations, dialogs (an injected alert())
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1,
    reducedMotion: 'reduce', locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[04]/.test(m.text())) problems.push('console error: ' + m.text());
  });
  page.on('dialog', async (d) => { problems.push('dialog opened: ' + d.message()); await d.dismiss(); });

  // 1. Search from the box, as a person would.
  await page.goto(base + '/');
  await page.fill('#q', 'kyoto');
  await page.press('#q', 'Enter');
  await page.waitForSelector('#grid .tile');
  await page.waitForFunction(() => !/Searching/.test(document.getElementById('status').textContent));
  const names = await page.$$eval('#grid .tile .name', (ns) => ns.map((n) => n.textContent));
  check(names.includes('temple.jpg') && names.includes('garden.jpg') && names.includes('street.jpg'),
    'search "kyoto" shows the three Kyoto photos: ' + JSON.stringify(names));
  check(new URL(page.url()).searchParams.get('q') === 'kyoto', 'the search is a link: ' + page.url());
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#grid .tile img'))
    .every((i) => i.complete && i.naturalWidth > 0));
  check(true, 'every thumbnail decoded');
  const shown = await page.evaluate(async () => {
    const page = await (await fetch('/api/search?q=kyoto')).json();
    const tiles = Object.fromEntries(Array.from(document.querySelectorAll('#grid .tile'))
      .map((t) => [t.dataset.id, t.querySelector('.score').textContent]));
    return page.results.map((r) => ({ score: r.scores.overall, text: tiles[r.id] }));
  });
  check(shown.every((x) => x.score === 0 || (x.text !== '0.000' && Math.abs(parseFloat(x.text) - x.score) <= 0.0005 + 0.05 * x.score)),
    'tile scores show the API scores (tiny ones not as 0.000): ' + JSON.stringify(shown));
  const shot = path.join(artifacts, 'web-results.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot (results page): ' + shot);

  // 2. Open a result: image, facts, the object's box, the hostile OCR text as text.
  await page.click('#grid .tile[title="trips/kyoto/temple.jpg"]');
  await page.waitForFunction(() => document.getElementById('d-title').textContent === 'temple.jpg');
  check(!(await page.isHidden('#detail')), 'the detail view opens');
  const openedId = new URL(page.url()).searchParams.get('id');
  check(/^#?[0-9a-f]+$/.test(openedId || ''), 'the detail view is a link too: ' + page.url());
  await page.waitForFunction(() => { const i = document.getElementById('d-img'); return i.complete && i.naturalWidth > 0; });
  check(true, 'the large image decoded');
  const facts = await page.textContent('#d-facts');
  check(facts.includes('Objects') && facts.includes('pagoda'), 'facts list the object "pagoda"');
  const box = await page.$eval('#d-boxes', (svg) => {
    const r = svg.querySelector('g > rect:not(.label-bg)');
    const t = svg.querySelector('g > text');
    const bb = r ? r.getBoundingClientRect() : null;
    const bg = svg.querySelector('g > rect.label-bg');
    return { label: t ? t.textContent : null, w: bb ? bb.width : 0, h: bb ? bb.height : 0,
      labelFits: !!(t && bg) && bg.getBoundingClientRect().right >= t.getBoundingClientRect().right };
  });
  check(box.label === 'pagoda 87%' && box.w > 10 && box.h > 10, 'the object box is drawn: ' + JSON.stringify(box));
  check(box.labelFits, 'the box label sits inside its background');
  const ocr = await page.$eval('#d-facts .ocr', (n) => ({ text: n.textContent, elements: n.childElementCount }));
  check(ocr.text === hostileOcr && ocr.elements === 0, 'OCR text with markup renders as text');
  check((await page.$('#ocr-pwn')) === null, 'no element was injected from the OCR text');
  check(await page.evaluate(() => window.__pwned === undefined), 'no script from the OCR text ran');
  const contexts = await page.textContent('#d-contexts');
  check(contexts.includes('<script>alert(1)</script>'), 'a context with a <script> tag renders as text');
  const shotDetail = path.join(artifacts, 'web-detail.png');
  await page.screenshot({ path: shotDetail });
  console.log('screenshot (detail view): ' + shotDetail);

  // 3. Follow a similar image.
  await page.waitForSelector('#d-similar .tile');
  const similar = await page.$$eval('#d-similar .tile', (ts) => ts.map((t) => ({ id: t.dataset.id, path: t.title })));
  check(similar.length >= 1 && similar.every((s) => s.id !== openedId), 'similar images listed (not itself): ' + similar.length);
  const next = similar[0];
  await page.click('#d-similar .tile >> nth=0');
  await page.waitForFunction((p) => document.getElementById('d-path').textContent.endsWith('/' + p), next.path);
  check(new URL(page.url()).searchParams.get('id') === next.id, 'following a similar image opens it: ' + next.path);
  await page.goBack();
  await page.waitForFunction(() => document.getElementById('d-title').textContent === 'temple.jpg');
  check(true, 'Back returns to the previous image');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#detail', { state: 'hidden' });
  check(true, 'Escape closes the detail view');

  // 4. A hostile file name is shown as text in the grid and in the detail view.
  await page.goto(base + '/?q=onerror');
  await page.waitForSelector('#grid .tile');
  const hostileName = '<img src=x onerror=alert(1)>.jpg';
  const tileNames = await page.$$eval('#grid .tile .name', (ns) => ns.map((n) => n.textContent));
  check(tileNames.includes(hostileName), 'the hostile file name is a result, shown as text');
  check((await page.$$eval('img[src="x"]', (is) => is.length)) === 0, 'no <img src=x> was created from the name');
  await page.click('#grid .tile >> nth=0');
  await page.waitForFunction((n) => document.getElementById('d-title').textContent === n, hostileName);
  check(true, 'its detail view titles it as text');
  check(await page.evaluate(() => window.__pwned === undefined), 'no script from the file name ran');

  // 5. Only indexed assets: non-indexed ids and paths are refused, also from the page's origin.
  const statuses = await page.evaluate(async () => {
    const paths = ['/api/thumb/0123456789abcdef0123456789abcdef', '/api/asset/0123456789abcdef0123456789abcdef',
      '/api/thumb/..%2F..%2Fetc%2Fpasswd', '/api/asset/%2Fetc%2Fpasswd', '/static/..%2f..%2fetc%2fpasswd',
      '/api/thumb/' + encodeURIComponent('/etc/passwd')];
    const out = {};
    for (const p of paths) out[p] = (await fetch(p)).status;
    return out;
  });
  check(Object.values(statuses).every((s) => s === 400 || s === 404), 'non-indexed paths refused: ' + JSON.stringify(statuses));
  await page.goto(base + '/?id=0123456789abcdef0123456789abcdef');
  await page.waitForFunction(() => /no indexed asset/.test(document.getElementById('d-title').textContent));
  check(true, 'a deep link to a non-indexed id says so');

  // 6. Phone-sized screen: no horizontal scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(base + '/?q=kyoto');
  await page.waitForSelector('#grid .tile');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, 'fits a 390 px wide screen (overflow ' + overflow + ' px)');
} catch (e) {
  check(false, 'unexpected: ' + (e && e.stack || e));
} finally {
  await browser.close();
}
for (const p of problems) check(false, p);
console.log(failures ? failures + ' check(s) failed' : 'all browser checks passed');
process.exit(failures ? 1 : 0);

/**
 * The web UI (`BENCH_ONLY=web`): its bundle sizes, as the build measures them (scripts/build-web.mjs,
 * run again here so the figures are this tree's), and its first render: navigation start → the
 * release board showing the seeded model's row, in Debian's Chromium against a live `clearance
 * serve` holding the credit-risk release the browser tests use (test/browser/seed.ts). Beside it,
 * the ceiling from the same run and the same server: navigation start → load of `GET /healthz`, a
 * page with no JavaScript at all. Runs are interleaved, so a busy machine slows both alike.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/browser/browser.js';
import { model, seedCreditRisk } from '../test/browser/seed.js';
import { startLiveServer } from '../test/e2e/live-server.js';

export interface WebRow {
  /** `initial` (the entry and its static imports), a chunk's file, or `first render`/`ceiling`. */
  what: string;
  /** Gzipped bytes, for the bundle rows. */
  gzipBytes: number | null;
  /** Budget in gzipped bytes (initial JavaScript only). */
  budgetBytes: number | null;
  /** Whether the chunk loads on the first visit. */
  initial: boolean | null;
  runs: number | null;
  medianMs: number | null;
  p95Ms: number | null;
  /** Median of the no-JavaScript ceiling in the same run. */
  ceilingMedianMs: number | null;
}

interface WebBuild {
  initialBytes: number;
  initialFiles: string[];
  chunks: { file: string; gzip: number }[];
}

type BuildWeb = (root: string) => Promise<WebBuild>;

function quantile(sorted: number[], q: number): number {
  const at = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, at)] ?? Number.NaN;
}

/** Milliseconds from navigation start to the first moment the board's row for `model` is in the DOM. */
async function boardRender(page: Page, url: string): Promise<number> {
  await page.goto(url);
  const handle = await page.waitForFunction(
    () => (globalThis as unknown as { __boardAt?: number }).__boardAt,
    undefined,
    { polling: 'raf' },
  );
  return Number(await handle.jsonValue());
}

async function staticLoad(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'load' });
  return page.evaluate(() => {
    const [nav] = (
      globalThis as unknown as {
        performance: { getEntriesByType(t: string): { loadEventEnd: number }[] };
      }
    ).performance.getEntriesByType('navigation');
    return nav?.loadEventEnd ?? Number.NaN;
  });
}

export async function runWebBench(input: { root: string; runs: number }): Promise<WebRow[]> {
  // The build's own figures (not a second implementation of them): it rebuilds dist/web.
  const { buildWeb, initialJsBudgetBytes } = (await import(
    pathToFileURL(join(input.root, 'scripts', 'build-web.mjs')).href
  )) as { buildWeb: BuildWeb; initialJsBudgetBytes: number };
  const built = await buildWeb(input.root);
  const rows: WebRow[] = [
    {
      what: 'initial JavaScript',
      gzipBytes: built.initialBytes,
      budgetBytes: initialJsBudgetBytes,
      initial: true,
      runs: null,
      medianMs: null,
      p95Ms: null,
      ceilingMedianMs: null,
    },
    ...built.chunks.map((chunk) => ({
      what: chunk.file,
      gzipBytes: chunk.gzip,
      budgetBytes: null,
      initial: built.initialFiles.includes(chunk.file),
      runs: null,
      medianMs: null,
      p95Ms: null,
      ceilingMedianMs: null,
    })),
  ];
  const server = await startLiveServer();
  const browser = await launchBrowser();
  try {
    const seeded = await seedCreditRisk(server);
    // Signed in as the risk officer (the token where the app keeps it); the observer notes when
    // the model's row first appears, in the page's own clock (0 = navigation start).
    await browser.context.addInitScript(
      ({ token, name }) => {
        const g = globalThis as unknown as {
          sessionStorage: { setItem(k: string, v: string): void };
          performance: { now(): number };
          document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
          MutationObserver: new (
            cb: () => void,
          ) => { observe(n: unknown, o: unknown): void; disconnect(): void };
          __boardAt?: number;
          location: { pathname: string };
        };
        g.sessionStorage.setItem('clearance.token', token);
        if (g.location.pathname !== '/') return;
        const observer = new g.MutationObserver(() => {
          const cells = g.document.querySelectorAll('tbody tr');
          for (let i = 0; i < cells.length; i++) {
            if (cells[i]?.textContent?.includes(name)) {
              g.__boardAt = g.performance.now();
              observer.disconnect();
              return;
            }
          }
        });
        observer.observe(g.document, { childList: true, subtree: true });
      },
      { token: seeded.tokens.risk, name: model },
    );
    const page = await browser.context.newPage();
    // One of each first: the browser's and the server's caches warm, as a returning approver's.
    await boardRender(page, `${server.url}/`);
    await staticLoad(page, `${server.url}/healthz`);
    const board: number[] = [];
    const ceiling: number[] = [];
    for (let run = 0; run < input.runs; run++) {
      board.push(await boardRender(page, `${server.url}/`));
      ceiling.push(await staticLoad(page, `${server.url}/healthz`));
    }
    await page.close();
    const sortedBoard = [...board].sort((a, b) => a - b);
    const sortedCeiling = [...ceiling].sort((a, b) => a - b);
    const ceilingMedianMs = quantile(sortedCeiling, 0.5);
    rows.push(
      {
        what: 'first render: release board with its rows',
        gzipBytes: null,
        budgetBytes: null,
        initial: null,
        runs: input.runs,
        medianMs: quantile(sortedBoard, 0.5),
        p95Ms: quantile(sortedBoard, 0.95),
        ceilingMedianMs,
      },
      {
        what: 'ceiling: `GET /healthz` loaded (no JavaScript)',
        gzipBytes: null,
        budgetBytes: null,
        initial: null,
        runs: input.runs,
        medianMs: ceilingMedianMs,
        p95Ms: quantile(sortedCeiling, 0.95),
        ceilingMedianMs,
      },
    );
  } finally {
    await browser.close();
    await server.stop();
  }
  return rows;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)}`;

export function webTable(rows: WebRow[]): string {
  const bundle = rows.filter((r) => r.gzipBytes !== null);
  const timing = rows.filter((r) => r.medianMs !== null);
  const lines = [
    '| bundle (gzip) | KB | loaded on first visit | budget (KB) |',
    '| --- | ---: | --- | ---: |',
    ...bundle.map(
      (r) =>
        `| ${r.what} | ${kb(r.gzipBytes ?? 0)} | ${r.initial ? 'yes' : 'no (lazy)'} | ${r.budgetBytes === null ? '' : kb(r.budgetBytes)} |`,
    ),
    '',
    '| navigation start → | runs | median (ms) | p95 (ms) | ceiling median (ms) | × ceiling |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...timing.map(
      (r) =>
        `| ${r.what} | ${r.runs} | ${r.medianMs?.toFixed(1)} | ${r.p95Ms?.toFixed(1)} | ${r.ceilingMedianMs?.toFixed(1)} | ${((r.medianMs ?? 0) / (r.ceilingMedianMs ?? 1)).toFixed(1)} |`,
    ),
  ];
  return lines.join('\n');
}

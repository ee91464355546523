/**
 * Start-up time of the built `clearance` binary: `--version`, `check --help` and a real `check`
 * of the credit-risk example, each spawned N times, beside bare `node -e ''` measured in the same
 * run (no command can start faster than Node itself). The runs are interleaved, so a busy machine
 * slows every row alike rather than one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface StartupRow {
  command: string;
  runs: number;
  medianMs: number;
  p95Ms: number;
  /** Median of bare `node -e ''` in the same run. */
  nodeMedianMs: number;
  /** What this machine should meet (issue 8); none for bare Node. */
  targetMs: number | null;
}

const example = (root: string, path: string) => join(root, 'examples', 'credit-risk', path);

function commands(root: string) {
  const bin = join(root, 'bin', 'clearance.js');
  return [
    { command: "node -e ''", args: ['-e', ''], targetMs: null },
    { command: 'clearance --version', args: [bin, '--version'], targetMs: 150 },
    { command: 'clearance check --help', args: [bin, 'check', '--help'], targetMs: 150 },
    {
      command: 'clearance check (credit-risk, passing)',
      args: [
        bin,
        'check',
        '--policy',
        example(root, 'policy.yaml'),
        '--transition',
        'staging:production',
        '--evidence',
        example(root, 'candidates/passing'),
        '--baseline',
        example(root, 'baseline'),
      ],
      targetMs: 400,
    },
  ];
}

function quantile(sorted: number[], q: number): number {
  const at = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, at)] ?? Number.NaN;
}

export function runStartupBench(input: { root: string; runs: number }): StartupRow[] {
  const list = commands(input.root);
  const times = list.map(() => [] as number[]);
  for (let run = 0; run < input.runs; run++) {
    list.forEach((c, i) => {
      const started = process.hrtime.bigint();
      const child = spawnSync(process.execPath, c.args, { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (child.status !== 0) throw new Error(`${c.command} failed: ${child.stderr}`);
      times[i]?.push(ms);
    });
  }
  const sorted = times.map((t) => [...t].sort((a, b) => a - b));
  const nodeMedianMs = quantile(sorted[0] ?? [], 0.5);
  return list.map((c, i) => ({
    command: c.command,
    runs: input.runs,
    medianMs: quantile(sorted[i] ?? [], 0.5),
    p95Ms: quantile(sorted[i] ?? [], 0.95),
    nodeMedianMs,
    targetMs: c.targetMs,
  }));
}

export function startupTable(rows: StartupRow[]): string {
  const lines = [
    "| command | runs | median (ms) | p95 (ms) | bare `node -e ''` median (ms) | over bare Node (ms) | × bare Node | target (ms) |",
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const over = r.targetMs === null ? '' : (r.medianMs - r.nodeMedianMs).toFixed(0);
    // On a busy machine bare Node slows too: the ratio says what the command adds to it.
    const ratio = (r.medianMs / r.nodeMedianMs).toFixed(2);
    lines.push(
      `| ${r.command} | ${r.runs} | ${r.medianMs.toFixed(0)} | ${r.p95Ms.toFixed(0)} | ${r.nodeMedianMs.toFixed(0)} | ${over} | ${ratio} | ${r.targetMs ?? ''} |`,
    );
  }
  return lines.join('\n');
}

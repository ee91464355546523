/** docs/walkthrough.md's shell blocks, which its tests run exactly as written. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../cli/run-cli.js';

export interface WalkthroughBlock {
  /** The number of the `## N.` section it stands in. */
  section: number;
  script: string;
}

/** Every ```sh block, in order (```text blocks are sample output). */
export function walkthroughBlocks(): WalkthroughBlock[] {
  const markdown = readFileSync(join(repoRoot, 'docs', 'walkthrough.md'), 'utf8');
  const blocks: WalkthroughBlock[] = [];
  let section = 0;
  for (const m of markdown.matchAll(/^## (\d+)\.|^```sh\n([\s\S]*?)^```$/gm)) {
    if (m[1] !== undefined) section = Number(m[1]);
    else blocks.push({ section, script: m[2] ?? '' });
  }
  return blocks;
}

/** The blocks as one bash script that stops at the first failure, saying which block on stderr. */
export function walkthroughScript(blocks: WalkthroughBlock[]): string {
  return [
    'set -euo pipefail',
    ...blocks.map((b, i) => `echo "=== walkthrough block ${i + 1}" >&2\n${b.script}`),
  ].join('\n');
}

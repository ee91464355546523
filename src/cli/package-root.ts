import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The installed package's root (where package.json, examples/ and docs/ live), found upward. */
export function packageRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'examples'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package root above ${from}`);
    dir = parent;
  }
}

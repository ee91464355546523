// `npm run build`: a clean dist/ (a file removed from src/ must not live on in the package), then
// the compiler, the commit it was built from (build-info.mjs), then the stamp test/build-dist.ts
// compares with the sources' newest change.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBuildInfo } from './build-info.mjs';

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
writeBuildInfo(root);
writeFileSync(join(root, 'dist', '.built'), `${new Date().toISOString()}\n`);

// What `clearance --version` says besides the version: the commit a build came from, written into
// dist/build-info.json at build time (by build-dist.mjs, or `node scripts/build-info.mjs ROOT`),
// so the command never runs git. Outside a git checkout of its own (an unpacked tarball, a copy
// inside another project's repository) there is no commit to state and none is written.
import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const git = (root, args) =>
  execFileSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();

export function writeBuildInfo(root) {
  let info = {};
  try {
    if (realpathSync(git(root, ['rev-parse', '--show-toplevel'])) === realpathSync(root)) {
      const commit = git(root, ['rev-parse', '--short=12', 'HEAD']);
      const dirty = git(root, ['status', '--porcelain', '--untracked-files=no']) !== '';
      info = { commit, dirty };
    }
  } catch {
    // No git, or not a repository: the version alone.
  }
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, 'dist', 'build-info.json'), `${JSON.stringify(info)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  writeBuildInfo(resolve(process.argv[2] ?? '.'));
}

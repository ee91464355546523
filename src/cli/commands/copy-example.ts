/**
 * `clearance examples copy NAME`: a worked example (policy, cases, the production model's
 * evidence, candidates that pass and fail) copied out of the installed package, so a team that
 * installed Clearance from its package — not a checkout — can follow the walkthrough and try
 * `check` on finished evidence without knowing where npm put the package.
 */
import { existsSync } from 'node:fs';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ClearanceError } from '../../domain/index.js';
import { exitCodes } from '../exit-codes.js';
import type { Io } from '../lazy.js';
import { packageRoot } from '../package-root.js';

/** The worked examples the package ships: the directories holding a `cases.yaml`. */
async function workedExamples(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'cases.yaml')))
    .map((e) => e.name)
    .sort();
}

export async function copyExample(
  io: Io,
  name: string,
  options: { output?: string },
): Promise<number> {
  const root = join(packageRoot(), 'examples');
  const names = await workedExamples(root);
  if (!names.includes(name)) {
    throw new ClearanceError('invalid_input', `There is no worked example named "${name}".`, {
      problems: [{ message: `Examples: ${names.join(', ')}.`, fix: 'Pass one of them.' }],
    });
  }
  const output = options.output ?? join('examples', name);
  if (existsSync(output)) {
    throw new ClearanceError('conflict', `${output} already exists; nothing was copied.`, {
      problems: [
        {
          message: 'examples copy never overwrites a directory.',
          fix: 'Choose another --output, or remove it first.',
        },
      ],
    });
  }
  await cp(join(root, name), output, { recursive: true, errorOnExist: true, force: false });
  io.stdout.write(
    `Copied the ${name} example to ${output}/ (policy.yaml, cases.yaml, baseline/, candidates/).\n`,
  );
  return exitCodes.ok;
}

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ClearanceError, formatProblem } from '../../domain/index.js';
import { explainPolicy, explainPolicyJson } from '../../policy/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { loadPolicyFile } from '../load-policy-file.js';
import { packageRoot } from '../package-root.js';
import { reportError } from '../report-error.js';

interface Output {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `clearance policy validate FILE…`: every file, every problem, one exit code. */
export async function validatePolicies(
  files: string[],
  format: string,
  out: Output,
): Promise<number> {
  const results: {
    file: string;
    valid: boolean;
    digest?: string;
    problems: string[];
    warnings: string[];
  }[] = [];
  let exit: number = exitCodes.ok;
  for (const file of files) {
    try {
      const loaded = await loadPolicyFile(file);
      results.push({
        file,
        valid: true,
        digest: loaded.digest,
        problems: [],
        warnings: loaded.warnings.map(formatProblem),
      });
    } catch (error) {
      exit = exitCodes.badInput;
      if (format === 'json' && error instanceof ClearanceError) {
        results.push({
          file,
          valid: false,
          problems: error.problems.map(formatProblem),
          warnings: [],
        });
      } else {
        reportError(error, out.stderr);
        results.push({ file, valid: false, problems: [], warnings: [] });
      }
    }
  }
  if (format === 'json') {
    out.stdout.write(`${toJson({ valid: exit === exitCodes.ok, policies: results })}\n`);
    return exit;
  }
  for (const r of results.filter((x) => x.valid)) {
    out.stdout.write(`${r.file}: valid, ${r.digest}\n`);
    for (const w of r.warnings) out.stdout.write(`  warning: ${w}\n`);
  }
  return exit;
}

export async function explainPolicyFile(
  file: string,
  format: string,
  out: Output,
): Promise<number> {
  const loaded = await loadPolicyFile(file);
  out.stdout.write(
    format === 'json'
      ? `${toJson({ file, ...explainPolicyJson(loaded.policy, loaded.digest) })}\n`
      : explainPolicy(loaded.policy, loaded.digest),
  );
  return exitCodes.ok;
}

/** Starter policies are the examples' own policies, so every template is tested by the examples. */
async function listTemplates(): Promise<string[]> {
  const root = join(packageRoot(), 'examples');
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'policy.yaml')))
    .map((e) => e.name)
    .sort();
}

export async function initPolicy(
  options: { template: string; output: string; force: boolean },
  out: Output,
): Promise<number> {
  const templates = await listTemplates();
  if (!templates.includes(options.template)) {
    throw new ClearanceError('invalid_input', `There is no template named "${options.template}".`, {
      problems: [
        { message: `Templates: ${templates.join(', ')}.`, fix: 'Pass one of them to --template.' },
      ],
    });
  }
  if (existsSync(options.output) && !options.force) {
    throw new ClearanceError('conflict', `${options.output} already exists; nothing was written.`, {
      problems: [
        {
          message: 'init never overwrites a policy by accident.',
          fix: 'Choose another --output, or pass --force.',
        },
      ],
    });
  }
  await mkdir(dirname(options.output), { recursive: true });
  await copyFile(join(packageRoot(), 'examples', options.template, 'policy.yaml'), options.output);
  out.stdout.write(
    `Wrote ${options.output} from the ${options.template} template. Next: edit it, then run\n  clearance policy validate ${options.output}\n`,
  );
  return exitCodes.ok;
}

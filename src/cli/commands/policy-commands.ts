import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ClearanceError, formatProblem } from '../../domain/index.js';
import { explainPolicy, explainPolicyJson } from '../../policy/index.js';
import { toJson } from '../check-report.js';
import { exitCodes } from '../exit-codes.js';
import { loadPolicyFile } from '../load-policy-file.js';
import { packageRoot } from '../package-root.js';
import { reportError } from '../report-error.js';
import { evidenceScaffold } from './evidence-scaffold.js';

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
  options: { template: string; output: string; force: boolean; evidence?: string | false },
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
  const source = join(packageRoot(), 'examples', options.template, 'policy.yaml');
  const writes = [{ path: options.output, text: await readFile(source, 'utf8') }];
  // Beside the policy unless said otherwise.
  const evidence = options.evidence ?? join(dirname(options.output), 'evidence');
  if (evidence !== false) {
    const { policy } = await loadPolicyFile(source);
    const { files, guide } = evidenceScaffold({
      policy,
      policyFile: basename(options.output),
      evidenceDir: relative(dirname(options.output), evidence) || '.',
    });
    for (const f of files) writes.push({ path: join(evidence, f.path), text: f.text });
    writes.push({ path: join(dirname(options.output), guide.path), text: guide.text });
  }
  const existing = writes.map((w) => w.path).filter((path) => existsSync(path));
  if (existing.length > 0 && !options.force) {
    const more =
      existing.length > 1 ? ` (and ${existing.length - 1} more file(s) init writes)` : '';
    throw new ClearanceError(
      'conflict',
      `${existing[0]} already exists${more}; nothing was written.`,
      {
        problems: [
          {
            message: 'init never overwrites a policy or evidence by accident.',
            fix: 'Choose another --output or --evidence directory, pass --no-evidence, or pass --force.',
          },
        ],
      },
    );
  }
  for (const w of writes) {
    await mkdir(dirname(w.path), { recursive: true });
    await writeFile(w.path, w.text);
  }
  const bundle =
    evidence === false
      ? ''
      : `Scaffolded the evidence bundle in ${evidence}/ (${writes.length - 2} files; see ${writes.at(-1)?.path}).\n`;
  out.stdout.write(
    `Wrote ${options.output} from the ${options.template} template. Next: edit it, then run\n  clearance policy validate ${options.output}\n${bundle}`,
  );
  return exitCodes.ok;
}

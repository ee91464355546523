import { once } from 'node:events';
import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';

/**
 * Writes a seeded binary-classification predictions CSV: label, score, baseline_score, group.
 * Reused across runs when a file of the same size and seed exists.
 */
export async function generatePredictionsCsv(
  path: string,
  rows: number,
  seed = 12345,
): Promise<number> {
  if (existsSync(path)) return statSync(path).size;
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  out.write('label,score,baseline_score,group\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const latent = normal();
    const label = next() < 1 / (1 + Math.exp(-(1.5 * latent - 1))) ? 1 : 0;
    const group = next() < 0.5 ? 'a' : 'b';
    const score = 1 / (1 + Math.exp(-(latent + 0.8 * normal() - 1)));
    const baseline = 1 / (1 + Math.exp(-(latent + 1.0 * normal() - 1)));
    chunk += `${label},${score.toFixed(6)},${baseline.toFixed(6)},${group}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.write(chunk);
  out.end();
  await once(out, 'finish');
  renameSync(tmp, path);
  return statSync(path).size;
}

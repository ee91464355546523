/** Content addresses for evidence: streamed, so a 1 GB file never sits in memory. */
import { createHash } from 'node:crypto';
import { diskEvidenceFiles, type EvidenceFiles } from './evidence-files.js';

export async function fileDigest(
  path: string,
  files: EvidenceFiles = diskEvidenceFiles,
): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of files.chunks(path, 1 << 20)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** Which files of an evidence directory are read, and how; the name → kind table is in domain. */
export { classifyEvidenceFile } from '../domain/index.js';

/** The file that declares data fields is not an evidence kind of its own, but is read. */
export const dataFieldsFile = 'data_fields.json';
export const manifestFiles = ['evidence.yaml', 'evidence.yml'];

const textExtensions = new Set([
  '.md',
  '.json',
  '.yaml',
  '.yml',
  '.txt',
  '.cfg',
  '.env',
  '.ini',
  '.toml',
  // Code and key material, where leaked credentials usually sit.
  '.py',
  '.sh',
  '.pem',
  '.key',
  '.conf',
  '.properties',
  '.r',
  '.sql',
]);
const maxScannedTextBytes = 1 << 20;

/** Small text files the security gate scans for secrets; `.env`, `.env.local` included. */
export function isScannableText(relativePath: string, size: number): boolean {
  if (size > maxScannedTextBytes) return false;
  const base = relativePath.slice(relativePath.lastIndexOf('/') + 1).toLowerCase();
  if (base === '.env' || base.startsWith('.env.')) return true;
  const dot = base.lastIndexOf('.');
  return dot >= 0 && textExtensions.has(base.slice(dot));
}

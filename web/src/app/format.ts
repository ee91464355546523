/** Small, pure formatting for the shell's pages (dates, ages, digests, gate values). */

/** `2026-12-05 04:37 UTC`: one unambiguous form for every page, whatever the browser's zone. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long ago, in the largest whole unit: `3 days ago`, `5 minutes ago`, `just now`. */
export function formatAge(iso: string | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const ms = now.getTime() - new Date(iso).getTime();
  if (Number.isNaN(ms)) return iso;
  const future = ms < 0;
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const [value, unit] =
    minutes < 1
      ? [0, '']
      : minutes < 60
        ? [minutes, 'minute']
        : minutes < 60 * 24
          ? [Math.floor(minutes / 60), 'hour']
          : [Math.floor(minutes / (60 * 24)), 'day'];
  if (value === 0) return 'just now';
  const amount = `${value} ${unit}${value === 1 ? '' : 's'}`;
  return future ? `in ${amount}` : `${amount} ago`;
}

/** `sha256:4447ae31…b435b5`: enough to compare by eye; the full digest goes in a title. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  if (!hex || hex.length <= 16) return digest;
  return `${algorithm ? `${algorithm}:` : ''}${hex.slice(0, 8)}…${hex.slice(-6)}`;
}

/** A gate's observed value: numbers to four significant digits, anything else as text. */
export function formatObserved(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : value.toPrecision(4).replace(/\.?0+$/, '');
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `1.2 MB`, `168 KB`, `307 B`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** `risk_officer` → `risk officer`. */
export function roleName(role: string): string {
  return role.replaceAll('_', ' ');
}

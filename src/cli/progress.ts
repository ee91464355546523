/**
 * A progress bar on stderr for long work (large prediction files), shown only when stderr is a
 * terminal so that CI logs and pipes stay clean.
 */
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function createProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { update() {}, finish() {} };
  let lastDraw = 0;
  const started = Date.now();
  return {
    update(done, total) {
      const now = Date.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const width = 30;
      const filled = Math.round(fraction * width);
      const seconds = ((now - started) / 1000).toFixed(1);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      stream.write(`\r${label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${seconds}s`);
    },
    finish() {
      stream.write('\r\x1b[2K');
    },
  };
}

/**
 * A one-line progress bar on a terminal; silent when the output is not a terminal (CI, pipes).
 * `bytes` of `totalBytes` set the bar (any unit of work will do); `rows` are counted in `unit`.
 */
export function progressBar(stream: NodeJS.WriteStream, label: string, unit = 'rows'): { update(done: { bytes: number; totalBytes: number; rows: number }): void; finish(): void } {
  const started = Date.now();
  let drawn = false;
  return {
    update({ bytes, totalBytes, rows }) {
      if (!stream.isTTY) return;
      const fraction = totalBytes === 0 ? 1 : Math.min(1, bytes / totalBytes);
      const width = 30;
      const filled = Math.round(fraction * width);
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = Math.round(rows / seconds);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${rows.toLocaleString('en')} ${unit}, ${rate.toLocaleString('en')}/s `);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}

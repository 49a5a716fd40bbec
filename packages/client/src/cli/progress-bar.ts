/**
 * A one-line progress bar on a terminal (redrawn in place); elsewhere (a pipe, a log) one line per
 * change, so the progress still shows without control characters.
 */
export class ProgressBar {
  private last = '';
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly width = 30,
  ) {}

  update(percent: number, label: string): void {
    const clamped = Math.max(0, Math.min(100, Math.round(percent)));
    const filled = Math.round((clamped / 100) * this.width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}] ${String(clamped).padStart(3)}% ${label}`;
    if (line === this.last) return;
    this.last = line;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

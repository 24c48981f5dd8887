import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * The size accounting of a directory of derived files (thumbnails): names in least recently used
 * order and their sizes; past `maxBytes` the oldest are deleted. Files are written elsewhere as
 * `*.tmp` and renamed in, so a name present on disk is always complete.
 *
 * Each process keeps its own account (several instances sharing the directory each stay under
 * the budget for what they wrote); a file deleted by another one is simply made again.
 */
export class DiskCache {
  private readonly files = new Map<string, number>();
  private bytes = 0;

  constructor(readonly dir: string, private readonly maxBytes: number, private readonly onEvict: (name: string) => void) {}

  /**
   * Create the directory and adopt what a previous run left, oldest first. Unfinished `.tmp`
   * files a crash left are deleted once they are a minute old (younger ones may be another
   * instance's work in progress).
   */
  async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const found: Array<{ name: string; size: number; mtimeMs: number }> = [];
    for (const name of await fsp.readdir(this.dir)) {
      const file = path.join(this.dir, name);
      const st = await fsp.stat(file).catch(() => null);
      if (st?.isFile() !== true) continue;
      if (!name.endsWith('.tmp')) found.push({ name, size: st.size, mtimeMs: st.mtimeMs });
      else if (Date.now() - st.mtimeMs > 60_000) await fsp.rm(file, { force: true });
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of found) this.add(f.name, f.size);
  }

  pathOf(name: string): string {
    return path.join(this.dir, name);
  }

  /** Whether `name` is on disk (as far as this process knows); marks it recently used. */
  touch(name: string): boolean {
    const size = this.files.get(name);
    if (size === undefined) return false;
    this.files.delete(name);
    this.files.set(name, size);
    return true;
  }

  /** Account for a file just renamed in, then delete the least recently used past the budget. */
  add(name: string, size: number): void {
    this.forget(name);
    this.files.set(name, size);
    this.bytes += size;
    for (const [old, oldSize] of this.files) {
      if (this.bytes <= this.maxBytes || old === name) break;
      this.files.delete(old);
      this.bytes -= oldSize;
      this.onEvict(old);
      fsp.rm(this.pathOf(old), { force: true }).catch(() => {});
    }
  }

  /** Drop `name` from the account (it vanished from disk). */
  forget(name: string): void {
    const size = this.files.get(name);
    if (size === undefined) return;
    this.files.delete(name);
    this.bytes -= size;
  }
}

import fs from 'node:fs';

/**
 * Write `file` through a temp file and a rename, so that a reader never sees half of it (cores or
 * hosts starting at once, a systemd unit read while it is replaced). On failure the temp file is
 * removed and the error thrown. The directory must exist.
 */
export function writeFileAtomically(file: string, data: string | Buffer, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode });
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw e;
  }
}

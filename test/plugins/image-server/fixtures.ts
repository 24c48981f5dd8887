import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import sharp from 'sharp';

/** The project root (this file runs as dist/test/plugins/image-server/fixtures.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SAMPLE_IMAGES = path.join(ROOT, 'plugins', 'image-server', 'images');

export const SECRET = 'TOP SECRET: outside the root';
export const MiB = 1024 * 1024;

/**
 * A served root and, beside it, a directory that must never be served:
 *
 * ```
 * <dir>/outside/secret.txt          the bytes no request may ever get
 * <dir>/root/photo.jpg              800×600 JPEG; small.png, anim.gif, pic.webp, pic.avif, scan.tiff, logo.svg
 *            favicon.ico pic.bmp    bytes only (served by extension)
 *            big.bin                1 MiB of random bytes
 *            empty.jpg              0 bytes
 *            huge.jpg               3000×2000 noisy JPEG (slow to thumbnail)
 *            bad.jpg                random bytes named .jpg
 *            %2e%2e                 a file literally named so (double-encoding must reach it, not ..)
 *            sub/nested.png, .secret, .git/config, sub/.hidden
 *            link-in.png  -> small.png            (inside: served)
 *            link-out.txt -> ../outside/secret.txt  (file symlink escape)
 *            dir-out      -> ../outside            (directory symlink escape)
 *            hidden-link.png -> .git/config       (inside, but hidden)
 *            fifo                                 (a named pipe: never opened)
 * ```
 */
export interface Tree {
  dir: string;
  root: string;
  outside: string;
  /** The bytes of a file under the root. */
  bytes(name: string): Buffer;
  /** Absolute path of a file under the root. */
  file(name: string): string;
}

interface Images {
  photo: Buffer;
  png: Buffer;
  gif: Buffer;
  webp: Buffer;
  avif: Buffer;
  tiff: Buffer;
  huge: Buffer;
}

let images: Promise<Images> | null = null;

/** Images are made once per test process; each tree gets copies. */
function makeImages(): Promise<Images> {
  images ??= (async () => {
    const scene = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
      <rect width="800" height="600" fill="#3b7dd8"/><circle cx="560" cy="180" r="90" fill="#ffd35c"/>
      <path d="M0 480 L200 280 L360 420 L540 240 L800 500 L800 600 L0 600 Z" fill="#24394a"/></svg>`);
    const base = sharp(scene);
    const small = base.clone().resize(64, 48);
    const [photo, png, gif, webp, avif, tiff, huge] = await Promise.all([
      base.clone().jpeg({ quality: 80 }).toBuffer(),
      small.clone().png().toBuffer(),
      small.clone().gif().toBuffer(),
      small.clone().webp().toBuffer(),
      small.clone().avif().toBuffer(),
      small.clone().tiff().toBuffer(),
      sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 90 }).toBuffer(),
    ]);
    return { photo, png, gif, webp, avif, tiff, huge };
  })();
  return images;
}

export const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>\n';

export async function makeTree(t: ExecutionContext): Promise<Tree> {
  const img = await makeImages();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isv-tree-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  for (const d of [root, outside, path.join(root, 'sub'), path.join(root, '.git')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);

  const files: Record<string, Buffer | string> = {
    'photo.jpg': img.photo,
    'small.png': img.png,
    'anim.gif': img.gif,
    'pic.webp': img.webp,
    'pic.avif': img.avif,
    'scan.tiff': img.tiff,
    'huge.jpg': img.huge,
    'logo.svg': SVG,
    'favicon.ico': Buffer.from([0, 0, 1, 0, 1, 0, 16, 16]),
    'pic.bmp': Buffer.from('BM\0\0\0\0'),
    'big.bin': randomBytes(MiB),
    'empty.jpg': Buffer.alloc(0),
    'bad.jpg': randomBytes(4096),
    '%2e%2e': 'a file literally named %2e%2e\n',
    'sub/nested.png': img.png,
    '.secret': SECRET,
    '.git/config': SECRET,
    'sub/.hidden': SECRET,
  };
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(root, name), data);
  fs.symlinkSync('small.png', path.join(root, 'link-in.png'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync(outside, path.join(root, 'dir-out'));
  fs.symlinkSync('.git/config', path.join(root, 'hidden-link.png'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);

  return {
    dir,
    root,
    outside,
    bytes: (name) => fs.readFileSync(path.join(root, name)),
    file: (name) => path.join(root, name),
  };
}

/** A sparse file of `size` bytes (zeros, no disk space): big downloads without big fixtures. */
export function sparseFile(file: string, size: number): void {
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
}

/**
 * Request targets that try to leave the served root, generated rather than listed: every spelling
 * of `..` built from the dot spellings below (pairs, so mixed ones like `.%2E` too), joined by every
 * spelling of `/`, in two shapes — up one level to the sibling `outside/secret.txt`, and up past
 * `/` then down the secret's absolute path — plus the classic one-offs: filter evasion (`....//`),
 * NUL truncation, absolute and Windows paths, `..;`, absolute-form targets, symlinked directories.
 * Targets are sent byte for byte; raw non-ASCII (fullwidth dots) goes as UTF-8.
 */

/** `.` as a literal, percent-encoded (either case), double-encoded, overlong UTF-8 (2 and 3 bytes), IIS %u, fullwidth (encoded and raw). */
export const DOTS = ['.', '%2e', '%2E', '%252e', '%c0%ae', '%C0%AE', '%e0%80%ae', '%u002e', '%ef%bc%8e', '\uff0e'];

/** `/` and `\` as literals, percent-encoded, double-encoded, overlong UTF-8, IIS %u, doubled. */
export const SEPARATORS = ['/', '%2f', '%2F', '%252f', '\\', '%5c', '%5C', '%255c', '%c0%af', '%u2215', '//'];

export interface Corpus {
  targets: string[];
}

/**
 * @param secretAbs absolute path of the secret file (outside the root, at `<root>/../outside/secret.txt`)
 * @param rootDepth number of segments of the root's real path, so that climbing always reaches `/`
 */
export function traversalCorpus(secretAbs: string, rootDepth: number): string[] {
  const targets = new Set<string>();
  const rel = secretAbs.replace(/^\/+/, '');
  const climb = rootDepth + 2;
  const dotdots = DOTS.flatMap((a) => DOTS.map((b) => a + b));

  for (const dd of dotdots) {
    for (const sep of SEPARATORS) {
      // Up one level, to the sibling directory: /..<sep>outside<sep>secret.txt
      targets.add(`/${dd}${sep}outside${sep}secret.txt`);
    }
  }
  // Up to `/` and down the absolute path; same spelling for every `..`.
  for (const dot of DOTS) {
    for (const sep of SEPARATORS) {
      const up = `${dot}${dot}${sep}`.repeat(climb);
      targets.add(`/${up}${rel}`);
      targets.add(`/${up}${rel.split('/').join(sep)}`);
    }
  }
  // Mixed: a real directory first, then up, with `..` spelled differently each time.
  for (let i = 0; i < DOTS.length; i++) {
    const a = DOTS[i]!;
    const b = DOTS[(i + 3) % DOTS.length]!;
    targets.add(`/sub/${a}${a}/${b}${b}/outside/secret.txt`);
    targets.add(`/sub%2f${a}${b}%2f${b}${a}%2foutside%2fsecret.txt`);
  }

  const oneOffs = [
    // Filter evasion: stripping `../` once from these leaves a `../`.
    `/${'....//'.repeat(climb)}${rel}`,
    '/....//outside/secret.txt',
    '/..././outside/secret.txt',
    '/.../outside/secret.txt',
    '/..../outside/secret.txt',
    `/${'..%2f'.repeat(climb)}${rel}`,
    `/${'%2e%2e/'.repeat(climb)}${rel}`,
    `/${'%%32%65%%32%65/'.repeat(climb)}${rel}`,
    // NUL truncation, encoded (a raw NUL cannot be in a request line; jail.test covers that).
    '/../outside/secret.txt%00.png',
    '/%2e%2e/outside/secret.txt%00.png',
    '/small.png%00/../../outside/secret.txt',
    '/%00../outside/secret.txt',
    '/..%00/outside/secret.txt',
    '/outside/secret.txt%00',
    // Absolute paths: under the root they are just paths (404), or refused when they hide a `/`.
    `/${rel}`,
    `//${rel}`,
    `///${rel}`,
    `/%2f${rel}`,
    `/%2F${rel.split('/').join('%2F')}`,
    `/${rel.split('/').join('%2f')}`,
    `/.${secretAbs}`,
    '/etc/passwd',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/proc/self/environ',
    // Windows drive letters and UNC paths.
    '/C:/Windows/win.ini',
    '/C:%5cWindows%5cwin.ini',
    '/c:\\..\\..\\outside\\secret.txt',
    '/%43%3a%5c..%5coutside%5csecret.txt',
    '/C%3a%2f..%2foutside%2fsecret.txt',
    '/\\\\server\\share\\secret.txt',
    '/%5c%5cserver%5cshare',
    '/..\\..\\..\\outside\\secret.txt',
    '/.\\.\\..\\outside\\secret.txt',
    // Path parameters and other parsers' habits.
    '/sub/..;/..;/outside/secret.txt',
    '/..;/outside/secret.txt',
    '/sub;/../../outside/secret.txt',
    '/%2e%2e;/outside/secret.txt',
    '/outside/secret.txt#/../small.png',
    '/../outside/secret.txt?/small.png',
    '/small.png/../../outside/secret.txt',
    // Symlinked directories out of the root, with the separator hidden.
    '/dir-out/secret.txt',
    '/dir-out%2fsecret.txt',
    '/dir-out%5csecret.txt',
    '/dir-out/./secret.txt',
    '/link-out.txt',
    '/link-out%2etxt',
    // Absolute-form targets get the same checks.
    'http://x/../outside/secret.txt',
    'http://x/%2e%2e/outside/secret.txt',
    `http://x/${'..%2f'.repeat(climb)}${rel}`,
    'http://x/dir-out/secret.txt',
    'http://../outside/secret.txt',
    'file:///etc/passwd',
    `file://${secretAbs}`,
  ];
  for (const t of oneOffs) targets.add(t);
  return [...targets];
}

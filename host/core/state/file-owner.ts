import fs from 'node:fs';
import path from 'node:path';

/**
 * Files root creates in a data directory owned by the service's user (the
 * admin running `mailwarden account lock` as root) are handed to that user:
 * a root-owned database, -wal or -shm file would leave the unprivileged
 * service unable to write its own state. Does nothing unless we are root.
 */
export function matchDirOwner(file: string, suffixes: readonly string[] = ['']): void {
  if (process.getuid?.() !== 0 || file === ':memory:') return;
  let dir: fs.Stats;
  try {
    dir = fs.statSync(path.dirname(file));
  } catch {
    return;
  }
  if (dir.uid === 0) return;
  for (const s of suffixes) {
    try {
      fs.lchownSync(file + s, dir.uid, dir.gid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A tiny tmpfs to run a disk out of space or make it read-only for real.
 * Needs mount privileges (root): without them the suite is skipped with a
 * visible reason, and fails under CI=true (CI runs as root).
 */
export interface Tmpfs {
  readonly dir: string;
  readOnly(): void;
  remove(): void;
}

export function canMountTmpfs(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`cannot mount a tmpfs (${(e as Error).message}): the disk-fault tests need root`);
    // eslint-disable-next-line no-console
    console.warn('skipping disk-fault tests: mounting a tmpfs needs root');
    return false;
  } finally {
    fs.rmdirSync(probe);
  }
}

export function mountTmpfs(sizeKb: number): Tmpfs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  return {
    dir,
    readOnly: () => execFileSync('mount', ['-o', 'remount,ro', dir]),
    remove: () => {
      execFileSync('umount', ['-l', dir]);
      fs.rmdirSync(dir);
    },
  };
}

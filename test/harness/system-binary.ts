import { execFileSync } from 'node:child_process';

/** True when `name` runs from PATH (or an absolute path exists and runs). */
export function hasBinary(name: string, versionArgs: string[] = ['--version']): boolean {
  try {
    execFileSync(name, versionArgs, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch (e) {
    // A binary that exists but exits non-zero for --version still exists.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * `describe` for suites that need a system binary: under CI=true a missing
 * binary fails the suite; elsewhere the suite is skipped with a visible note.
 */
export function describeWithBinary(binary: string, title: string, fn: () => void, versionArgs?: string[]): void {
  if (hasBinary(binary, versionArgs)) {
    describe(title, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(title, () => {
      test(`needs ${binary}`, () => {
        throw new Error(`${binary} is not installed (see .ci/debian-packages.txt); CI=true, so this fails instead of skipping`);
      });
    });
    return;
  }
  process.stderr.write(`\n[skipped] ${title}: ${binary} is not installed (install it to run this suite)\n`);
  describe.skip(title, fn);
}

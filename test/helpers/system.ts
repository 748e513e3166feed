import * as fs from 'node:fs';

/**
 * Whether a system program a test drives is installed. Missing under CI=true
 * is an error (CI installs it; a silent skip would hide a broken set-up);
 * elsewhere the suite is skipped with a visible reason.
 */
export function hasSystemBinary(path: string, pkg: string): boolean {
  if (fs.existsSync(path)) return true;
  if (process.env.CI === 'true') throw new Error(`${path} is missing: install the Debian package "${pkg}" (.ci/run does)`);
  // eslint-disable-next-line no-console
  console.warn(`skipping: ${path} is not installed (apt-get install ${pkg})`);
  return false;
}

/** `describe` that runs only when the binary is there (and fails under CI when it is not). */
export function describeWith(path: string, pkg: string): jest.Describe {
  return hasSystemBinary(path, pkg) ? describe : describe.skip;
}

/** A listing's --json output: one JSON object per line (like postqueue -j). */
export function jsonLines<T = any>(stdout: string): T[] {
  return stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
}

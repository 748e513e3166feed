/** `name = value` lines (the form `mailwarden wiring postfix` prints) as main.cf settings for a test Postfix. */
export function mainCfOf(wiring: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of Object.values(wiring) as string[]) {
    const eq = line.indexOf(' = ');
    if (eq < 0) throw new Error(`not a main.cf setting: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 3);
  }
  return out;
}

/*
 * main.cf list values (`mynetworks = 127.0.0.0/8, cidr:/etc/…`,
 * `smtpd_relay_restrictions = a, b { x, y }, c`) as Postfix splits them:
 * commas and white space separate, a `{ … }` group is one token. For the
 * host's doctor and for plugins' doctor checks reading `postconf` answers.
 * Linear: one pass, no regex.
 */

/** The tokens of a main.cf list value, `{ … }` groups kept whole (braces included). */
export function mainCfTokens(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i];
    if (c === ',' || c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '{') {
      const end = value.indexOf('}', i + 1);
      const stop = end < 0 ? value.length : end;
      out.push(value.slice(i, stop + 1));
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < value.length && !', \t\n\r{'.includes(value[j])) j++;
    out.push(value.slice(i, j));
    i = j;
  }
  return out;
}

/** The items of a main.cf list value (mynetworks…), `type:table` and `[ipv6]/n` whole, `{ … }` groups left out. */
export function mainCfListItems(value: string): string[] {
  return mainCfTokens(value).filter((x) => !x.startsWith('{'));
}

/** Items of a main.cf list value (commas and whitespace separate; `{ … }` groups are skipped), as Postfix reads mynetworks. */
export function listItems(value: string): string[] {
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
      i = (end < 0 ? value.length : end) + 1;
      continue;
    }
    let j = i;
    while (j < value.length && !', \t\n\r{'.includes(value[j])) j++;
    out.push(value.slice(i, j));
    i = j;
  }
  return out;
}

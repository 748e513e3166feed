/**
 * JSON with comments (`//` to end of line, `/* … *\/`) → plain JSON, in one
 * linear pass that respects strings. Comment characters become spaces (line
 * breaks are kept), so JSON.parse's error positions still point into the
 * file as written. An unterminated block comment is left for JSON.parse to
 * report at its position.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22 || d === 0x0a) break;
      }
      i++;
      continue;
    }
    if (c === 0x2f /* / */ && i + 1 < n) {
      const next = text.charCodeAt(i + 1);
      let end = -1;
      if (next === 0x2f) {
        end = text.indexOf('\n', i + 2);
        if (end < 0) end = n;
      } else if (next === 0x2a /* * */) {
        const close = text.indexOf('*/', i + 2);
        if (close >= 0) end = close + 2;
      }
      if (end >= 0) {
        out += text.slice(from, i) + blank(text.slice(i, end));
        from = i = end;
        continue;
      }
    }
    i++;
  }
  return out + text.slice(from);
}

function blank(comment: string): string {
  let s = '';
  for (let k = 0; k < comment.length; k++) s += comment[k] === '\n' ? '\n' : ' ';
  return s;
}

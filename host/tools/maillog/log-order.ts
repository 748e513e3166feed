import path from 'node:path';

/*
 * The order to read a log's rotations in. `mailwarden logs scan
 * /var/log/mail.log*` is what an admin types, and the shell sorts the names:
 * mail.log (the newest) first, mail.log.10.gz before mail.log.2.gz. A
 * message's lines can span two files (received before a rotation, deferred
 * and expired after it), and the scan links them up only read oldest first.
 */

interface Rotation {
  readonly file: string;
  /** The log's name without the rotation's suffix (`/var/log/mail.log`). */
  readonly base: string;
  /** Older first: logrotate's numbers (larger is older), then dateext's dates (YYYYMMDD[HH], older is smaller), then the live file. */
  readonly rank: [number, number];
}

function digitsOnly(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) < 48 || t.charCodeAt(i) > 57) return false;
  return true;
}

function rotation(file: string): Rotation {
  const name = file.endsWith('.gz') ? file.slice(0, -3) : file;
  const dir = path.dirname(name).length + 1;
  // logrotate's default: mail.log.1, mail.log.2.gz, …
  const dot = name.lastIndexOf('.');
  if (dot > dir && digitsOnly(name.slice(dot + 1)) && name.length - dot - 1 <= 4) return { file, base: name.slice(0, dot), rank: [0, -Number(name.slice(dot + 1))] };
  // dateext: mail.log-20261129, mail.log-2026112906 (dateformat -%Y%m%d%H).
  const dash = name.lastIndexOf('-');
  const date = name.slice(dash + 1);
  if (dash > dir && digitsOnly(date) && (date.length === 8 || date.length === 10)) return { file, base: name.slice(0, dash), rank: [1, Number(date)] };
  return { file, base: name, rank: [2, 0] };
}

/**
 * `files` with each log's rotations oldest first, the live file last
 * (`mail.log.2.gz mail.log.1 mail.log`); logs keep the order of their first
 * file given, and stdin (`-`) its place. Files given in an order that is
 * already so come back unchanged; `onReordered` is told when they were not.
 */
export function logOrder(files: readonly string[], onReordered?: (files: string[]) => void): string[] {
  const groups = new Map<string, Rotation[]>();
  const order: Array<string | Rotation[]> = [];
  for (const f of files) {
    if (f === '-') {
      order.push(f);
      continue;
    }
    const r = rotation(f);
    let g = groups.get(r.base);
    if (!g) {
      groups.set(r.base, (g = []));
      order.push(g);
    }
    g.push(r);
  }
  // Stable: two names of one rank keep the order given.
  const older = (a: Rotation, b: Rotation) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1];
  const out = order.flatMap((g) => (typeof g === 'string' ? [g] : [...g].sort(older).map((r) => r.file)));
  if (onReordered && out.some((f, i) => f !== files[i])) onReordered(out);
  return out;
}

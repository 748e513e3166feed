import fs from 'node:fs';
import { type LineRing, R_OVERLONG, R_UNPARSED, RECORD, writeRecord } from './line-ring';
import { newMailEvent, recognise } from './recognise';
import { MAX_LINE, newLineParts, scanLine } from './tokenizer';

/*
 * The first stage of a two-thread scan (line-ring.ts), run by a worker
 * thread: reads a file from `start` to its end into the ring's slots, and
 * records each line's tokens and kind beside its bytes. Lines are split as
 * LineReader splits them (a CR before the newline is not the line's; a
 * line longer than MAX_LINE is reported as overlong, once, and skipped),
 * but into the slot's own memory, so a record's offsets are into bytes the
 * consumer can read.
 */
export function produce(file: string, start: number, ring: LineRing): void {
  const p = newLineParts();
  const e = newMailEvent();
  const fd = fs.openSync(file, 'r');
  try {
    let pos = start;
    let slot = 0;
    /** Bytes at the head of this slot left over by the slot before. */
    let carried = 0;
    /** Inside an overlong line: dropping bytes until its newline. */
    let skipping = false;
    for (;;) {
      ring.waitEmpty(slot);
      const b = ring.bytesOf(slot);
      const r = ring.recordsOf(slot);
      const room = Math.min(ring.readBytes, ring.slotBytes - carried);
      const n = room > 0 ? fs.readSync(fd, b, carried, room, pos) : 0;
      pos += n;
      const eof = room > 0 && n === 0;
      const avail = carried + n;
      const view = b.subarray(0, avail);
      let from = 0;
      if (skipping) {
        const nl = view.indexOf(10);
        from = nl < 0 ? avail : nl + 1;
        skipping = nl < 0;
      }
      let lines = 0;
      const line = (s: number, nl: number): void => {
        const end = nl > s && b[nl - 1] === 13 ? nl - 1 : nl;
        const kind = end - s > MAX_LINE ? R_OVERLONG : scanLine(b, s, end, p) ? recognise(b, p, e) : R_UNPARSED;
        writeRecord(r, lines++ * RECORD, s, end, kind, p, e);
      };
      // One record is kept free for the unfinished line at the end.
      let full = false;
      for (let nl = view.indexOf(10, from); nl >= 0; nl = view.indexOf(10, from)) {
        if (lines >= ring.slotLines - 1) {
          full = true;
          break;
        }
        line(from, nl);
        from = nl + 1;
      }
      if (!full && from < avail && !skipping) {
        if (eof) {
          line(from, avail);
          from = avail;
        } else if (avail - from > MAX_LINE + 1) {
          // +1: a CR before the newline to come would not be part of the line.
          writeRecord(r, lines++ * RECORD, from, from, R_OVERLONG, p, e);
          from = avail;
          skipping = true;
        }
      }
      const last = eof && !full;
      ring.publish(slot, lines, pos - start, last);
      if (last) return;
      const next = (slot + 1) % ring.slots;
      ring.waitEmpty(next);
      // Read only: the consumer may be reading this slot, and only this thread writes to it.
      carried = b.copy(ring.bytesOf(next), 0, from, avail);
      slot = next;
    }
  } finally {
    fs.closeSync(fd);
  }
}

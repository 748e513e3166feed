import { F_LAST, F_MORE, HEADROOM, type LineRing, R_OVERLONG, R_UNPARSED, RECORD, writeRecord } from './line-ring';
import { lineEnd } from './line-splitter';
import { newMailEvent, recognise } from './recognise';
import { MAX_LINE, newLineParts, scanLine } from './tokenizer';

/*
 * The worker thread's stage of a two-thread scan (line-ring.ts): takes the
 * ring's slots in turn as they are read into, and records each line's
 * tokens and kind beside its bytes, until a slot brings the end of the
 * input. Lines are split as LineReader splits them (a CR before the newline
 * is not the line's; a line longer than MAX_LINE is reported as overlong,
 * once, and skipped); a line a slot leaves unfinished is put in the next
 * slot's headroom, before what was read after it, so every line lies whole
 * in one slot's memory, where the counting thread can read it.
 */
export function produce(ring: LineRing): void {
  const p = newLineParts();
  const e = newMailEvent();
  /** The unfinished line at the end of the last slot (kept here: that slot is read into again once counted). */
  const carry = Buffer.allocUnsafe(MAX_LINE + 1);
  let carried = 0;
  /** Inside an overlong line: dropping bytes until its newline. */
  let skipping = false;
  for (let slot = 0; ; slot = (slot + 1) % ring.slots) {
    ring.waitRead(slot);
    const b = ring.bytesOf(slot);
    const r = ring.recordsOf(slot);
    const n = ring.input(slot);
    const end = n === 0;
    let from = HEADROOM - carried;
    carry.copy(b, from, 0, carried);
    const avail = HEADROOM + n;
    const view = b.subarray(0, avail);
    if (skipping) {
      const nl = view.indexOf(10, from);
      skipping = nl < 0;
      from = nl < 0 ? avail : nl + 1;
    }
    let lines = 0;
    const line = (start: number, nl: number): void => {
      const stop = lineEnd(b, start, nl);
      const kind = stop - start > MAX_LINE ? R_OVERLONG : scanLine(b, start, stop, p) ? recognise(b, p, e) : R_UNPARSED;
      writeRecord(r, lines++ * RECORD, start, stop, kind, p, e);
    };
    for (let nl = view.indexOf(10, from); nl >= 0; nl = view.indexOf(10, from)) {
      // One record is kept for the unfinished line at the end.
      if (lines === ring.slotLines - 1) {
        // Counted, the slot comes back for the rest.
        ring.publish(slot, lines, F_MORE);
        ring.waitRead(slot);
        lines = 0;
      }
      line(from, nl);
      from = nl + 1;
    }
    if (from < avail && !skipping) {
      if (end) {
        line(from, avail);
        from = avail;
      } else if (avail - from > MAX_LINE + 1) {
        // +1: a CR before the newline to come would not be part of the line.
        writeRecord(r, lines++ * RECORD, from, from, R_OVERLONG, p, e);
        from = avail;
        skipping = true;
      }
    }
    // Before the slot is handed over: once counted, it is read into again.
    carried = b.copy(carry, 0, from, avail);
    ring.publish(slot, lines, end ? F_LAST : 0);
    if (end) return;
  }
}

import { AuthFailureReader, type LoggedAuthFailure } from './auth-failures';
import type { LineSink } from './byte-source';
import { bytesOf } from './bytes';
import { K_AUTH_FAIL, K_LOGIN_FAIL, K_SASL_FAIL, newMailEvent, recognise } from './recognise';
import { newLineParts, scanLine } from './tokenizer';

/**
 * The failed logins of a stream of lines, for the followers: the same
 * tokenizer, recognisers and failure rules as `logs scan`, so a follower
 * and a scan of the same log count the same failures.
 */
export class FailureLines implements LineSink {
  private readonly p = newLineParts();
  private readonly e = newMailEvent();
  private readonly reader = new AuthFailureReader();

  constructor(private readonly onFailure: (f: LoggedAuthFailure) => void) {}

  /** One line: s[start, end) of log bytes, or of text (a follower's) read as its bytes. */
  line(s: Buffer | string, start: number, end: number): void {
    const b = typeof s === 'string' ? bytesOf(s) : s;
    if (!scanLine(b, start, end, this.p)) return;
    const k = recognise(b, this.p, this.e);
    if (k !== K_SASL_FAIL && k !== K_LOGIN_FAIL && k !== K_AUTH_FAIL) return;
    const f = this.reader.read(b, this.e);
    if (f) this.onFailure(f);
  }

  overlong(): void {}
}

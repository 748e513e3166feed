import { AuthFailureReader, type LoggedAuthFailure } from './auth-failures';
import type { LineSink } from './byte-source';
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

  line(s: string, start: number, end: number): void {
    if (!scanLine(s, start, end, this.p)) return;
    const k = recognise(s, this.p, this.e);
    if (k !== K_SASL_FAIL && k !== K_LOGIN_FAIL && k !== K_AUTH_FAIL) return;
    const f = this.reader.read(s, this.e);
    if (f) this.onFailure(f);
  }

  overlong(): void {}
}

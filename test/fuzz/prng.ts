/**
 * A small seeded generator (mulberry32): the same seed gives the same inputs,
 * so a failing fuzz run is replayed with FUZZ_SEED=<seed printed in the failure>.
 */
export class Prng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** Text mixing ASCII, Latin-1, multi-byte UTF-8, controls and lone surrogates. */
  text(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) {
      const k = this.int(10);
      if (k < 5) out += String.fromCharCode(32 + this.int(95));
      else if (k === 5) out += String.fromCharCode(this.int(32));
      else if (k === 6) out += String.fromCharCode(0xa0 + this.int(0x60));
      else if (k === 7) out += this.pick(['é', 'ß', 'ж', '中', '😀', '\u202e', '\ufeff']);
      else if (k === 8) out += String.fromCharCode(0xd800 + this.int(0x800));
      else out += this.pick(['=', '\n', '\r', '\t', '"', '\\', '{', '}', ':', '@', '[', ']', '%']);
    }
    return out;
  }
  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const k = this.int(depth > 0 ? 8 : 6);
    switch (k) {
      case 0: return null;
      case 1: return this.chance(0.5);
      case 2: return this.pick([0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.5, Number.MAX_SAFE_INTEGER]);
      case 3: case 4: return this.text(this.int(40));
      case 5: return this.pick(['', 'allow', 'report', '127.0.0.1', '::1', 'a@example.com', '198.51.100.1', 'x'.repeat(5000)]);
      case 6: return Array.from({ length: this.int(5) }, () => this.json(depth - 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(6); i > 0; i--) o[this.pick(['login', 'remote', 'pwhash', 'protocol', 'success', 'tls', 'session_id', '__proto__', 'constructor', this.text(6)])] = this.json(depth - 1);
        return o;
      }
    }
  }
  /** `s` with a few bytes flipped, dropped, duplicated or truncated. */
  mutate(s: string): string {
    let out = s;
    for (let i = 1 + this.int(4); i > 0; i--) {
      const at = this.int(out.length + 1);
      switch (this.int(4)) {
        case 0: out = out.slice(0, at) + String.fromCharCode(this.int(256)) + out.slice(at + 1); break;
        case 1: out = out.slice(0, at) + out.slice(at + 1 + this.int(8)); break;
        case 2: out = out.slice(0, at) + out.slice(at, at + this.int(16)) + out.slice(at); break;
        default: out = out.slice(0, at);
      }
    }
    return out;
  }
}

/** Seed and iteration count: small and fixed in `npm test`, larger through `npm run fuzz`. */
export function fuzzSettings(defaultIterations: number): { seed: number; iterations: number } {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20261128;
  const scale = process.env.FUZZ_SCALE ? Number(process.env.FUZZ_SCALE) : 1;
  return { seed, iterations: Math.max(1, Math.round(defaultIterations * scale)) };
}

/** heapUsed after a full collection, without needing `node --expose-gc`. */
export function heapAfterGc(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('v8').setFlagsFromString('--expose_gc');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const gc = require('vm').runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

import { type ChainEntry, type HookFault, runChain, type Verdict } from '../../../shared';

const entry = (plugin: string, fn: (...a: any[]) => unknown, o: Partial<ChainEntry> = {}): ChainEntry => ({
  plugin,
  fn,
  ctx: { domain: 'example.com', config: {}, plugin },
  timeoutMs: 50,
  failClosed: false,
  ...o,
});
const deny: Verdict = { action: 'deny', reason: 'no' };
const delay = (s: number): Verdict => ({ action: 'delay', reason: 'slow', delaySeconds: s });

describe('runChain', () => {
  let faults: HookFault[];
  const onFault = (f: HookFault) => void faults.push(f);
  beforeEach(() => {
    faults = [];
  });

  test('answers without a promise when every hook did, with a promise as soon as one returns one', async () => {
    const sync = runChain('checkRelay', [entry('a', () => undefined), entry('b', () => deny)], {}, undefined, onFault);
    expect(sync).toEqual({ ...deny, plugin: 'b' });
    const later = runChain('checkRelay', [entry('a', async () => undefined), entry('b', () => deny)], {}, undefined, onFault);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual({ ...deny, plugin: 'b' });
  });

  test('most-severe: the most severe verdict wins (ties: the longer delay), a deny ends the chain', async () => {
    const calls: string[] = [];
    const e = (id: string, v: Verdict | undefined) => entry(id, () => (calls.push(id), v));
    expect(runChain('beforeAuth', [e('a', delay(1)), e('b', delay(3)), e('c', { action: 'allow', reason: 'fine', plugin: 'elsewhere' })], {}, undefined, onFault)).toEqual({ ...delay(3), plugin: 'b' });
    calls.length = 0;
    expect(runChain('afterSuccess', [e('a', delay(1)), e('b', deny), e('c', delay(9))], {}, undefined, onFault)).toEqual({ ...deny, plugin: 'b' });
    expect(calls).toEqual(['a', 'b']);
  });

  test('first-answer: the first plugin with a verdict decides; nothing from anyone is undefined', () => {
    const calls: string[] = [];
    const e = (id: string, v: Verdict | undefined) => entry(id, () => (calls.push(id), v));
    expect(runChain('checkRelay', [e('a', undefined), e('b', delay(1)), e('c', deny)], {}, undefined, onFault)).toEqual({ ...delay(1), plugin: 'b' });
    expect(calls).toEqual(['a', 'b']);
    expect(runChain('checkRelay', [e('a', undefined)], {}, undefined, onFault)).toBeUndefined();
  });

  test('collect: every violation, tagged with its plugin; all: everyone sees the event with its second argument', async () => {
    const v = { rule: 'minLength', message: { en: 'x', fr: 'x', de: 'x' }, params: {} };
    expect(runChain('validatePassword', [entry('a', () => [v]), entry('b', async () => [v, v])], {}, undefined, onFault)).toBeInstanceOf(Promise);
    const got = await runChain('validatePassword', [entry('a', () => [v]), entry('b', async () => [v, v])], {}, undefined, onFault);
    expect(got.map((x) => x.plugin)).toEqual(['a', 'b', 'b']);
    const seen: unknown[] = [];
    const report = (id: string) => entry(id, (a: unknown, o: unknown, ctx: { plugin: string }) => void seen.push([a, o, ctx.plugin]));
    expect(runChain('afterAuth', [report('a'), report('b')], 'attempt', 'outcome', onFault)).toBeUndefined();
    expect(seen).toEqual([['attempt', 'outcome', 'a'], ['attempt', 'outcome', 'b']]);
  });

  test('a throw or a rejection is reported and counts as the failure policy says: open lets through, closed refuses', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    expect(runChain('beforeAuth', [entry('open', boom)], {}, undefined, onFault)).toBeUndefined();
    expect(runChain('beforeAuth', [entry('closed', boom, { failClosed: true })], {}, undefined, onFault)).toMatchObject({ action: 'tempfail', plugin: 'closed' });
    expect(await runChain('checkRelay', [entry('rejects', () => Promise.reject(new Error('down')), { failClosed: true })], {}, undefined, onFault)).toMatchObject({ action: 'tempfail', plugin: 'rejects' });
    const violations = runChain('validatePassword', [entry('strict', boom, { failClosed: true }), entry('lax', boom)], {}, undefined, onFault);
    expect(violations).toEqual([expect.objectContaining({ rule: 'unavailable', plugin: 'strict' })]);
    expect(faults.map((f) => [f.plugin, f.hook, f.kind, f.message])).toEqual([
      ['open', 'beforeAuth', 'error', 'boom'],
      ['closed', 'beforeAuth', 'error', 'boom'],
      ['rejects', 'checkRelay', 'error', 'down'],
      ['strict', 'validatePassword', 'error', 'boom'],
      ['lax', 'validatePassword', 'error', 'boom'],
    ]);
  });

  test('only a real promise is timed: past its timeout it is a fault and the chain goes on', async () => {
    jest.useFakeTimers();
    try {
      const p = runChain('beforeAuth', [entry('hangs', () => new Promise(() => {}), { timeoutMs: 30, failClosed: true }), entry('next', () => delay(1))], {}, undefined, onFault);
      await jest.advanceTimersByTimeAsync(29);
      expect(faults).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(await p).toMatchObject({ action: 'tempfail', plugin: 'hangs' });
      expect(faults).toEqual([{ plugin: 'hangs', hook: 'beforeAuth', kind: 'timeout', message: 'hangs.beforeAuth did not finish within 30 ms' }]);
    } finally {
      jest.useRealTimers();
    }
  });
});

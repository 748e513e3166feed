import { ContainerModule, inject, injectable } from 'inversify';
import { Clock, CommandContribution, type CommandIO, type HookContext, Notifier, PluginHooks, type RelayRequest, StateStore, type Verdict } from '../../../../shared';
import { loadPlugin } from '../../../../shared/testing';

const manifest = {
  id: 'greylist',
  hooks: ['checkRelay' as const],
  failurePolicy: 'closed' as const,
  configSchema: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, default: 2 } } },
};

@injectable()
class Hooks {
  constructor(@inject(StateStore) private readonly store: StateStore, @inject(Clock) private readonly clock: Clock, @inject(Notifier) private readonly notifier: Notifier) {}
  async checkRelay(r: RelayRequest, ctx: HookContext<{ limit: number }>): Promise<Verdict | undefined> {
    if (r.sender === 'boom@example.com') throw new Error('store down');
    const n = await this.store.hit(`s:${r.sender}`, 60_000, this.clock.now());
    if (n <= ctx.config.limit) return undefined;
    await this.notifier.notify({ subject: `${r.sender} over ${ctx.config.limit}`, text: '', severity: 'warning', kind: 'over' });
    return { action: 'hold', reason: 'over the limit' };
  }
}

const command: CommandContribution = {
  name: 'greylist',
  summary: 'says hello',
  async run(argv: readonly string[], io: CommandIO) {
    io.stdout.write(`hello ${argv.join(' ')} from ${io.actor}\n`);
    return 0;
  },
};

const plugin = new ContainerModule(({ bind }) => {
  bind(PluginHooks).to(Hooks);
  bind(CommandContribution).toConstantValue(command);
});

const relay = (sender: string) => ({ domain: 'example.com', sender }) as unknown as RelayRequest;

describe('the plugin test harness', () => {
  test('runs hooks as the host does: config defaulted from the schema, the fake clock and store, verdicts named, notices recorded', async () => {
    const h = await loadPlugin({ manifest, module: plugin });
    expect(h.config()).toEqual({ limit: 2 });
    expect(await h.run('checkRelay', relay('a@example.com'))).toBeUndefined();
    expect(await h.run('checkRelay', relay('a@example.com'))).toBeUndefined();
    expect(await h.run('checkRelay', relay('a@example.com'))).toEqual({ action: 'hold', reason: 'over the limit', plugin: 'greylist' });
    expect(h.notifier.sent).toEqual([expect.objectContaining({ subject: 'a@example.com over 2', source: 'greylist', kind: 'over' })]);
    h.clock.advance(60_000);
    expect(await h.run('checkRelay', relay('a@example.com'))).toBeUndefined();
  });

  test('applies the failure policy to a fault and records it', async () => {
    const h = await loadPlugin({ manifest, module: plugin });
    expect(await h.run('checkRelay', relay('boom@example.com'))).toMatchObject({ action: 'tempfail', plugin: 'greylist' });
    expect(h.faults).toEqual([{ plugin: 'greylist', hook: 'checkRelay', kind: 'error', message: 'store down' }]);
  });

  test('refuses a config its schema refuses, naming the setting, and keeps the one it had', async () => {
    const h = await loadPlugin({ manifest, module: plugin, config: { limit: 5 } });
    expect(() => h.setConfig({ limit: 0 })).toThrow(/greylist config for \*: \/limit must be >= 1/);
    expect(() => h.setConfig({ limti: 3 }, 'example.com')).toThrow(/must NOT have additional properties \(limti\)/);
    expect(h.config('example.com')).toEqual({ limit: 5 });
  });

  test('runs a contributed command and returns what it printed', async () => {
    const h = await loadPlugin({ manifest, module: plugin });
    expect(await h.command('greylist', ['world'])).toEqual({ code: 0, stdout: 'hello world from cli:test\n', stderr: '' });
  });

  test('refuses a manifest hook the plugin does not implement', async () => {
    await expect(loadPlugin({ manifest: { ...manifest, hooks: ['checkRelay', 'onMail'] }, module: plugin })).rejects.toThrow('greylist: manifest declares hook "onMail" but the plugin does not implement it');
  });

  test('loads a bundled plugin from its folder (manifest.json beside index)', async () => {
    const h = await loadPlugin({ dir: `${__dirname}/../../../../plugins/password-bruteforce` });
    expect(h.manifest.id).toBe('password-bruteforce');
    expect(h.hooks?.beforeAuth).toBeInstanceOf(Function);
  });
});

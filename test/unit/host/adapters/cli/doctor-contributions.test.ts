import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../../../host/adapters/cli/main';
import { buildFixturePlugin, manifestFor, tempDir } from '../../../../helpers/plugin-fixture';

const hasPostconf = ['/usr/sbin/postconf', '/usr/bin/postconf'].some((f) => fs.existsSync(f));

async function cli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env: { USER: 'tester' } });
  return { code, out, err };
}

(hasPostconf ? describe : describe.skip)('mailwarden doctor: the plugins\' checks', () => {
  let flags: string[];
  beforeAll(() => {
    const pluginDir = tempDir('mw-plugins-');
    buildFixturePlugin(pluginDir, {
      manifest: manifestFor('checker', { contributes: { doctorChecks: [{ id: 'boom', summary: 'throws' }, { id: 'networks', summary: 'reads main.cf' }] } }),
      source: `
import { ContainerModule } from 'inversify';
import { DoctorCheckContribution } from '@mailwarden/shared';
export default new ContainerModule(({ bind }) => {
  bind(DoctorCheckContribution).toConstantValue({ id: 'boom', async run() { throw new Error('kaput'); } });
  bind(DoctorCheckContribution).toConstantValue({ id: 'networks', async run(ctx) {
    const v = await ctx.postconf(['mynetworks']);
    const set = ctx.postconfExplicit ? Object.keys(await ctx.postconfExplicit()).includes('mynetworks') : null;
    return [{ check: 'networks', level: 'warning', message: 'mynetworks is ' + v.mynetworks + (set ? ' (set in main.cf)' : ''), paste: ['mynetworks = 127.0.0.1/32'] }];
  } });
});
`,
    });
    // Doctor loads only the plugins with a check: this one would stop any command that loads it.
    buildFixturePlugin(pluginDir, { manifest: manifestFor('bystander', { bootPolicy: 'abort' }), source: `throw new Error('loaded by a command that does not need it');` });
    const postfixDir = tempDir('mw-pf-');
    fs.writeFileSync(path.join(postfixDir, 'main.cf'), 'mynetworks = 10.0.0.0/24\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n');
    fs.writeFileSync(path.join(postfixDir, 'master.cf'), '');
    flags = ['--data-dir', tempDir('mw-data-'), '--plugin-dir', pluginDir, '--postconf-dir', postfixDir, '--no-dovecot'];
  });

  it('runs each check on its own: the one that throws is a problem naming the plugin, the other still reports', async () => {
    const r = await cli(['doctor', ...flags, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(4);
    const j = JSON.parse(r.out);
    expect(j.findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ check: 'relay', level: 'ok' }),
      { plugin: 'checker', check: 'boom', level: 'problem', message: 'the check "boom" of plugin checker failed: kaput' },
      { plugin: 'checker', check: 'networks', level: 'warning', message: 'mynetworks is 10.0.0.0/24 (set in main.cf)', paste: ['mynetworks = 127.0.0.1/32'] },
    ]));
  });

  it('prints them with its own', async () => {
    const r = await cli(['doctor', ...flags]);
    expect(r.out).toContain('PROBLEM  boom: the check "boom" of plugin checker failed: kaput\n');
    expect(r.out).toContain('WARNING  networks: mynetworks is 10.0.0.0/24 (set in main.cf)\n           mynetworks = 127.0.0.1/32\n');
    expect(r.out).toMatch(/ok {7}relay: /);
  });
});

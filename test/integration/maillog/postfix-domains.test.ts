/*
 * The local domains read from a Postfix configuration (--postfix-domains),
 * with the real postconf and postmap on a config directory of the test's own:
 * no Postfix is started (postconf -c and postmap -c read any directory).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../host/adapters/cli/main';
import { postfixLocalDomains } from '../../../host/tools/postfix/local-domains';
import { captureIo } from '../../helpers/cli-io';
import { tempDir } from '../../helpers/plugin-fixture';
import { describeWith } from '../../helpers/system';

const withPostmap = describeWith('/usr/sbin/postmap', 'postfix');

describeWith('/usr/sbin/postconf', 'postfix')('local domains from a Postfix configuration (postconf -x, postmap -s)', () => {
  withPostmap('with postmap', () => {
    let dir: string;
    beforeEach(() => {
      dir = tempDir('mw-pfdomains-');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    // myhostname set: without it, postconf asks the resolver for this machine's name.
    const mainCf = (lines: string[]) => fs.writeFileSync(path.join(dir, 'main.cf'), ['compatibility_level = 3.6', 'myhostname = mx.example.net', ...lines, ''].join('\n'));

    it('reads the four address classes: names ($parameters expanded), files, hash and inline tables; address keys are not domains', async () => {
      fs.writeFileSync(path.join(dir, 'relay_domains'), 'hashed.example OK\nHashed2.Example OK\n');
      fs.writeFileSync(path.join(dir, 'virtual'), 'user@aliased.example alice\naliased.example anything\n@catchall.example bob\n');
      fs.writeFileSync(path.join(dir, 'domains.txt'), '# our other domains\nfile.example, file2.example  # two on a line\n\nbücher.example\n');
      mainCf([
        'mydestination = $myhostname, localhost',
        `relay_domains = relayed.example hash:${dir}/relay_domains, ${dir}/domains.txt, inline:{ inl.example=x, inl2.example=y }`,
        `virtual_alias_maps = proxy:hash:${dir}/virtual`,
        'virtual_mailbox_domains = Mbox.Example',
      ]);
      execFileSync('/usr/sbin/postmap', ['-c', dir, `hash:${dir}/relay_domains`, `hash:${dir}/virtual`]);
      const r = await postfixLocalDomains({ postconfPath: '/usr/sbin/postconf', configDir: dir });
      expect(r.domains.sort()).toEqual(
        ['mx.example.net', 'localhost', 'relayed.example', 'hashed.example', 'hashed2.example', 'file.example', 'file2.example', 'xn--bcher-kva.example', 'inl.example', 'inl2.example', 'aliased.example', 'mbox.example'].sort(),
      );
      expect(r.skipped).toEqual([]);
    });

    it('says what it cannot read, and why, and still takes the rest', async () => {
      mainCf([
        'mydestination = localhost, .sub.example, !not.example',
        `relay_domains = ok.example, mysql:${dir}/relay.cf, hash:${dir}/missing, ${dir}/nofile, bad..name`,
      ]);
      const r = await postfixLocalDomains({ postconfPath: '/usr/sbin/postconf', configDir: dir });
      expect(r.domains).toEqual(['localhost', 'ok.example']);
      const why = (item: string) => r.skipped.find((s) => s.startsWith(item)) ?? `(nothing said about ${item})`;
      expect(why('.sub.example')).toContain('a subdomain pattern');
      expect(why('!not.example')).toContain('an exclusion');
      expect(why('mysql:')).toMatch(/cannot be listed \(postmap: fatal: unsupported dictionary type: mysql\); name its domains with --local-domain/);
      expect(why('hash:')).toMatch(/cannot be listed \(postmap: fatal: open database .*missing\.db/);
      expect(why(`${dir}/nofile`)).toContain('cannot be read (ENOENT)');
      expect(why('bad..name')).toContain('not a valid domain name');
      expect(r.skipped).toHaveLength(6);
    });

    it('rejects, naming postconf, when postconf cannot be run', async () => {
      await expect(postfixLocalDomains({ postconfPath: path.join(dir, 'no-postconf') })).rejects.toThrow(/no-postconf is not installed/);
    });

    it('the CLI: --postfix-domains counts as --local-domain does, and says what it read; bad uses are refused', async () => {
      mainCf(['mydestination = localhost', 'relay_domains = example.net, .sub.example']);
      // One message from the Internet for example.net, passed on by smtp (an MX gateway), one relayed outside.
      const log = path.join(dir, 'maillog');
      fs.writeFileSync(log, [
        'Aug  3 10:00:00 mx postfix/smtpd[1]: 4AB1C2D3E4: client=mail.sender.example[192.0.2.7]',
        'Aug  3 10:00:01 mx postfix/qmgr[2]: 4AB1C2D3E4: from=<news@sender.example>, size=900, nrcpt=2 (queue active)',
        'Aug  3 10:00:02 mx postfix/smtp[3]: 4AB1C2D3E4: to=<alice@example.net>, relay=store.example.net[198.51.100.4]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)',
        'Aug  3 10:00:02 mx postfix/smtp[3]: 4AB1C2D3E4: to=<carol@remote.example>, relay=mx.remote.example[203.0.113.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)',
        'Aug  3 10:00:03 mx postfix/qmgr[2]: 4AB1C2D3E4: removed',
        '',
      ].join('\n'));
      const run = async (...args: string[]) => {
        const io = captureIo();
        const code = await main(args, { ...io, env: {} });
        return { code, out: io.text.out, err: io.text.err };
      };
      const relayed = (r: { out: string }) => JSON.parse(r.out).unauthenticated.find((c: { client: string }) => c.client === '192.0.2.7').relayed;
      expect(relayed(await run('logs', 'scan', log, '--json'))).toBe(2);
      const read = await run('logs', 'scan', log, '--json', '--postfix-domains', '--postconf-dir', dir);
      expect(relayed(read)).toBe(1);
      expect(read.err).toContain(`logs scan: local domains from Postfix (${dir}): localhost, example.net`);
      expect(read.err).toContain('logs scan: not read from Postfix: .sub.example (relay_domains): a subdomain pattern');
      const audit = await run('relay', 'audit', log, '--json', '--data-dir', dir, '--plugin-dir', dir, '--postfix-domains', '--postconf-dir', dir);
      expect(JSON.parse(audit.out).clients).toEqual([expect.objectContaining({ client: '192.0.2.7', recipients: 1, sent: 1 })]);

      // A hosting server's thousands of domains: the first 20 are named, and how many in all.
      fs.writeFileSync(path.join(dir, 'many'), Array.from({ length: 30 }, (_, i) => `d${i}.example`).join('\n'));
      mainCf(['mydestination = localhost', `relay_domains = example.net, ${dir}/many`]);
      const many = await run('logs', 'scan', log, '--json', '--postfix-domains', '--postconf-dir', dir);
      expect(many.err).toContain(`logs scan: local domains from Postfix (${dir}): localhost, example.net, d0.example, d1.example`);
      expect(many.err).toContain('d17.example … (32 in all)\n');
      expect(many.err).not.toContain('d18.example');

      const stray = await run('logs', 'scan', log, '--postconf-dir', dir);
      expect(stray).toMatchObject({ code: 2, out: '' });
      expect(stray.err).toContain('logs scan: --postconf-dir is read only with --postfix-domains');
      const broken = await run('relay', 'audit', log, '--data-dir', dir, '--plugin-dir', dir, '--postfix-domains', '--postconf-dir', path.join(dir, 'none'));
      expect(broken).toMatchObject({ code: 1, out: '' });
      expect(broken.err).toMatch(/relay audit: --postfix-domains: cannot read the Postfix configuration: postconf: fatal: .*none/);
    });
  });
});

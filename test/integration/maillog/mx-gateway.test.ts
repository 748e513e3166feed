/*
 * An MX gateway, on the real Postfix: it takes mail in for example.net
 * (relay_domains) and passes it on through the smtp agent to the mail store
 * on another host (a transport; here a next hop off the loopback that is
 * never reached: unreachableNextHop). Every message from the Internet then
 * leaves as relayed mail does; --local-domain tells the log readers that it
 * is inbound (or --postfix-domains, read from the instance's main.cf). A trusted host's mail for outside domains stays relaying.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../host/adapters/cli/main';
import { describePostfix, PostfixInstance, unreachableNextHop } from '../../harness/postfix';
import { captureIo } from '../../helpers/cli-io';
import { tempDir } from '../../helpers/plugin-fixture';

jest.setTimeout(120_000);

describePostfix('logs scan and relay audit on an MX gateway (relay_domains passed on by smtp), on the real Postfix', () => {
  let pf: PostfixInstance;

  beforeAll(async () => {
    const hops = unreachableNextHop(['example.net', 'remote.example']);
    pf = await PostfixInstance.start({
      prefix: 'mw-gateway-',
      mainCf: {
        mynetworks: '127.0.0.1/32, 127.0.0.6/32',
        relayhost: '',
        relay_domains: 'example.net',
        smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
        ...hops.mainCf,
      },
      masterCf: hops.masterCf,
    });
  });
  afterAll(async () => {
    await pf?.stop();
  });

  it('mail for our domain from the Internet is inbound with --local-domain; a trusted host relaying outside is counted either way', async () => {
    // From the Internet (not in mynetworks) to our users: Postfix accepts it (relay_domains).
    expect((await pf.sendMail({ localAddress: '127.0.0.5', from: 'news@sender.example', to: ['alice@example.net', 'bob@example.net'], subject: 'newsletter' })).accepted).toBe(true);
    // From a trusted host to an outside domain: relaying.
    expect((await pf.sendMail({ localAddress: '127.0.0.6', from: 'promo@example.com', to: ['carol@remote.example'], subject: 'offer' })).accepted).toBe(true);
    for (const r of ['alice@example.net', 'bob@example.net', 'carol@remote.example']) {
      await pf.waitForLog((l) => l.includes(`to=<${r}>`) && l.includes('status=deferred'), 60_000);
    }
    const dir = tempDir('mw-gateway-scan-');
    const snapshot = path.join(dir, 'maillog');
    fs.writeFileSync(snapshot, pf.readLog());
    const run = async (args: string[]) => {
      const io = captureIo();
      const code = await main(args, { ...io, env: {} });
      return { code, json: JSON.parse(io.text.out) };
    };
    const scan = async (...more: string[]) => {
      const r = await run(['logs', 'scan', snapshot, '--json', ...more]);
      expect(r.json.unparsed).toBe(0);
      return (ip: string) => r.json.unauthenticated.find((c: { client: string }) => c.client === ip);
    };
    const table = path.join(dir, 'trusted.cidr');
    fs.writeFileSync(table, '# nothing trusted beyond the loopback\n');
    const audit = async (...more: string[]) => (await run(['relay', 'audit', snapshot, '--json', '--data-dir', dir, '--plugin-dir', dir, '--table', table, ...more])).json.clients;

    const plain = await scan();
    expect(plain('127.0.0.5')).toMatchObject({ messages: 1, relayed: 2, deferred: 2 });
    expect(plain('127.0.0.6')).toMatchObject({ messages: 1, relayed: 1, deferred: 1 });
    expect((await audit()).map((c: { client: string }) => c.client).sort()).toEqual(['127.0.0.5', '127.0.0.6']);

    const gateway = await scan('--local-domain', 'example.net');
    expect(gateway('127.0.0.5')).toMatchObject({ messages: 1, relayed: 0 });
    expect(gateway('127.0.0.6')).toMatchObject({ messages: 1, relayed: 1, deferred: 1 });
    expect(await audit('--local-domain', 'example.net')).toEqual([expect.objectContaining({ client: '127.0.0.6', recipients: 1, deferred: 1 })]);

    // The same, the domains read from the instance's own main.cf (relay_domains = example.net).
    const fromPostfix = await scan('--postfix-domains', '--postconf-dir', pf.dir);
    expect(fromPostfix('127.0.0.5')).toMatchObject({ messages: 1, relayed: 0 });
    expect(fromPostfix('127.0.0.6')).toMatchObject({ messages: 1, relayed: 1, deferred: 1 });
    expect(await audit('--postfix-domains', '--postconf-dir', pf.dir)).toEqual([expect.objectContaining({ client: '127.0.0.6', recipients: 1, deferred: 1 })]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

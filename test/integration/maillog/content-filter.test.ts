/*
 * A content filter on the loopback, as amavis is wired to Postfix
 * (content_filter = smtp:[127.0.0.1]:10024, and a second smtpd on :10025
 * without the filter to take the mail back): every message, in or out, goes
 * to the filter through the smtp agent and comes back as a new queue entry
 * whose client is the loopback. The hand-off is not relaying, and what the
 * new entry relays is the original client's.
 *
 * The outbound next hop is off the loopback and never reached
 * (unreachableNextHop: no packet leaves the loopback).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../host/adapters/cli/main';
import { describePostfix, freePort, PostfixInstance, unreachableNextHop } from '../../harness/postfix';
import { captureIo } from '../../helpers/cli-io';
import { SmtpSink } from '../../helpers/smtp-sink';

jest.setTimeout(120_000);

describePostfix('logs scan through a content filter on the loopback (amavis), on the real Postfix', () => {
  let filter: SmtpSink;
  let pf: PostfixInstance;

  beforeAll(async () => {
    const back = await freePort();
    // The filter hands each message back to Postfix, and answers as amavis does: the reply names the new queue entry.
    filter = await new SmtpSink(undefined, async (mail) => {
      const r = await pf.sendMail({ port: back, localAddress: '127.0.0.1', from: mail.from, to: mail.to, subject: mail.headers.subject ?? 'filtered' });
      return `250 2.0.0 from MTA(smtp:[127.0.0.1]:${back}): ${r.last.code} ${r.last.lines[r.last.lines.length - 1]}`;
    }).start('127.0.0.3');
    pf = await PostfixInstance.start({
      prefix: 'mw-filter-',
      mainCf: {
        mynetworks: '127.0.0.1/32, 127.0.0.6/32',
        relayhost: '',
        content_filter: `smtp:[127.0.0.3]:${filter.port}`,
        alias_maps: 'inline:{ kate=/dev/null }',
        ...unreachableNextHop(['remote.example']).mainCf,
      },
      masterCf: [
        `127.0.0.1:${back} inet n - n - - smtpd`, '  -o content_filter=', '  -o smtpd_relay_restrictions=permit_mynetworks,reject', '  -o mynetworks=127.0.0.0/8',
        ...unreachableNextHop(['remote.example']).masterCf,
      ],
    });
  });
  afterAll(async () => {
    await pf?.stop();
    await filter?.stop();
  });

  it('inbound mail handed to the filter is not relayed; a trusted relay\'s outbound mail is its own, not the filter\'s', async () => {
    // Inbound: a client on the internet writes to a local mailbox.
    expect((await pf.sendMail({ localAddress: '127.0.0.5', from: 'news@sender.example', to: ['kate@localhost'], subject: 'newsletter' })).accepted).toBe(true);
    // Outbound: a trusted relay (mynetworks) sends to a destination it cannot reach.
    expect((await pf.sendMail({ localAddress: '127.0.0.6', from: 'promo@example.com', to: ['bob@remote.example'], subject: 'cheap pills' })).accepted).toBe(true);
    await pf.waitForLog((l) => l.includes('to=<kate@localhost>') && l.includes('relay=local') && l.includes('status=sent'), 60_000);
    await pf.waitForLog((l) => l.includes('to=<bob@remote.example>') && l.includes('relay=none') && l.includes('status=deferred'), 60_000);
    // Both went through the filter and came back.
    const log = pf.readLog().split('\n');
    expect(log.filter((l) => l.includes('relay=127.0.0.3[127.0.0.3]') && / status=sent \(250 2\.0\.0 from MTA\(.*queued as [0-9A-Za-z]+\)$/.test(l))).toHaveLength(2);

    const snapshot = path.join(pf.dir, 'maillog.snapshot');
    fs.writeFileSync(snapshot, pf.readLog());
    const io = captureIo();
    await main(['logs', 'scan', snapshot, '--json'], { ...io, env: {} });
    const report = JSON.parse(io.text.out);
    expect(report.unparsed).toBe(0);
    const client = (ip: string) => report.unauthenticated.find((c: { client: string }) => c.client === ip);
    expect(client('127.0.0.5')).toMatchObject({ messages: 1, relayed: 0 });
    expect(client('127.0.0.6')).toMatchObject({ messages: 1, relayed: 1, sent: 0, deferred: 1, bounced: 0 });
    // The filter's loopback took both back: two messages, nothing relayed.
    expect(client('127.0.0.1')).toMatchObject({ messages: 2, relayed: 0 });
  });
});

/*
 * What a blocklisted relay's spam becomes in the real Postfix's log, and
 * what `logs scan` makes of it. One recipient's server refuses with a
 * blocklist's 554, and the instance runs with soft_bounce = yes (an admin's
 * safety net: refusals stay queued, logged as status=SOFTBOUNCE); the other
 * recipient's next hop is off the loopback and never reached
 * (unreachableNextHop: no packet leaves the loopback). A queue lifetime
 * of 0 makes qmgr give up on the message at once and log `QID: from=<s>,
 * status=expired, returned to sender`, as it would after
 * maximal_queue_lifetime (5 days by default).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../host/adapters/cli/main';
import { describePostfix, PostfixInstance, unreachableNextHop } from '../../harness/postfix';
import { captureIo } from '../../helpers/cli-io';
import { SmtpSink } from '../../helpers/smtp-sink';

jest.setTimeout(120_000);

describePostfix('logs scan on the real Postfix: soft bounces, then the message expires', () => {
  let next: SmtpSink;
  let pf: PostfixInstance;

  beforeAll(async () => {
    next = await new SmtpSink('554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org').start('127.0.0.2');
    pf = await PostfixInstance.start({
      prefix: 'mw-expire-',
      mainCf: {
        relayhost: `[127.0.0.2]:${next.port}`,
        smtp_bind_address: '127.0.0.1',
        soft_bounce: 'yes',
        maximal_queue_lifetime: '0',
        bounce_queue_lifetime: '0',
        ...unreachableNextHop(['remote.example']).mainCf,
      },
      masterCf: unreachableNextHop(['remote.example']).masterCf,
    });
  });
  afterAll(async () => {
    await pf?.stop();
    await next?.stop();
  });

  it('counts the relay\'s recipient deferred while queued and bounced once expired; deferrals, soft bounces and expired messages as the log has them', async () => {
    // 127.0.0.1 is in mynetworks: relaying without authentication, as a trusted host gone rogue does.
    const r = await pf.sendMail({ from: 'promo@example.com', to: ['bob@remote.example', 'carol@example.org'], subject: 'cheap pills' });
    expect(r.accepted).toBe(true);
    const qid = (await pf.waitForLog((l) => / status=expired, returned to sender/.test(l) && l.includes('from=<promo@example.com>'), 60_000)).split(': ')[1];
    // Postfix goes on (the notice to the sender bounces and expires in turn): the scan and the counts below read one snapshot.
    const snapshot = path.join(pf.dir, 'maillog.snapshot');
    fs.writeFileSync(snapshot, pf.readLog());
    const log = fs.readFileSync(snapshot, 'utf8').split('\n');
    // What Postfix wrote: a SOFTBOUNCE from the refusing server, a deferral for the unreachable one, then one line for the message.
    expect(log.filter((l) => l.includes(`${qid}: to=<carol@example.org>`) && l.includes('status=SOFTBOUNCE'))).toHaveLength(1);
    expect(log.filter((l) => l.includes(`${qid}: to=<bob@remote.example>, relay=none`) && l.includes('status=deferred'))).toHaveLength(1);
    expect(log.filter((l) => l.includes(`${qid}: from=<promo@example.com>, status=expired, returned to sender`))).toHaveLength(1);

    const io = captureIo();
    expect(await main(['logs', 'scan', snapshot, '--json', '--max-relayed', '1'], { ...io, env: {} })).toBe(4);
    const report = JSON.parse(io.text.out);
    expect(report.unparsed).toBe(0);
    // The refusing server is on the loopback (as every server a test reaches): not relaying; the unreachable one is.
    expect(report.unauthenticated.find((c: { client: string }) => c.client === '127.0.0.1')).toMatchObject({ messages: 1, relayed: 1, sent: 0, deferred: 0, bounced: 1 });
    expect(report.suspects).toContainEqual({ kind: 'client', subject: '127.0.0.1', reasons: ['1 recipient relayed without authentication (0 sent, 0 deferred, 1 bounced): trusted network?'] });
    // The notice to the sender is refused and expires too: every expired message and every deferral the log holds is counted.
    const count = (re: RegExp) => log.filter((l) => re.test(l)).length;
    expect(report.traffic).toMatchObject({ expired: count(/: from=<[^>]*>, status=expired, /), deferred: count(/: to=<[^>]*>, .*status=(deferred|SOFTBOUNCE) /) });
  });
});

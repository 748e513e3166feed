/*
 * `logs scan` is to let an admin retire pflogsumm: on a log the real Postfix
 * wrote, its totals must be pflogsumm's. Debian's Postfix relays to a sink on
 * loopback and is set up to take each action pflogsumm counts: a delivery,
 * an alias that forwards elsewhere (local(8)'s `forwarded as`), an access
 * map's DISCARD and HOLD, warn_if_reject, a relay attempt refused, and two
 * destinations whose servers refuse: one for now (deferred), one for good
 * (bounced, and the notice to the sender delivered).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../host/adapters/cli/main';
import { describePostfix, PostfixInstance } from '../../harness/postfix';
import { captureIo } from '../../helpers/cli-io';
import { SmtpSink } from '../../helpers/smtp-sink';
import { hasSystemBinary } from '../../helpers/system';

jest.setTimeout(120_000);

/** pflogsumm's Grand Totals, by their labels (`      5   delivered`). */
function pflogsummTotals(file: string): Record<string, number> {
  const out = execFileSync('/usr/sbin/pflogsumm', [file], { encoding: 'utf8' });
  const totals: Record<string, number> = {};
  const section = out.slice(out.indexOf('Grand Totals'), out.indexOf('Per-'));
  for (const line of section.split('\n')) {
    const m = /^\s+(\d+)\s{3}(\S.*?)(?:\s+\(\d+%\))?$/.exec(line);
    if (!m) continue;
    // `3   deferred  (5  deferrals)`: messages, then the lines (recipients) logs scan counts.
    const d = /^deferred\s+\((\d+)\s+deferrals\)$/.exec(m[2]);
    if (d) totals.deferrals = Number(d[1]);
    totals[d ? 'deferred' : m[2]] = Number(m[1]);
  }
  return totals;
}

const suite = 'logs scan against pflogsumm, on the real Postfix\'s log';
(hasSystemBinary('/usr/sbin/pflogsumm', 'pflogsumm') ? describePostfix : describe.skip)(suite, () => {
  let sink: SmtpSink;
  let later: SmtpSink;
  let never: SmtpSink;
  let pf: PostfixInstance;

  beforeAll(async () => {
    sink = await new SmtpSink().start('127.0.0.2');
    later = await new SmtpSink('450 4.2.0 <x>: Recipient address rejected: Greylisted').start('127.0.0.3');
    never = await new SmtpSink('550 5.1.1 <x>: Recipient address rejected: User unknown').start('127.0.0.4');
    pf = await PostfixInstance.start({
      prefix: 'mw-pflogsumm-',
      mainCf: {
        relayhost: `[127.0.0.2]:${sink.port}`,
        smtp_bind_address: '127.0.0.1',
        alias_maps: 'inline:{ info=owner@example.net }',
        transport_maps: `inline:{ later.example=smtp:[127.0.0.3]:${later.port}, never.example=smtp:[127.0.0.4]:${never.port} }`,
        smtpd_sender_restrictions: 'check_sender_access inline:{ discard@example.com=DISCARD, held@example.com=HOLD }, warn_if_reject, check_sender_access inline:{ warned@example.com=REJECT }',
      },
    });
  });
  afterAll(async () => {
    await pf?.stop();
    await sink?.stop();
    await later?.stop();
    await never?.stop();
  });

  it('received, delivered, forwarded, deferrals, bounced, rejected, reject warnings, held, discarded and bytes received are pflogsumm\'s', async () => {
    const send = (from: string, to: string, localAddress = '127.0.0.1') => pf.sendMail({ from, to: [to], subject: 'parity', localAddress });
    expect((await send('alice@example.com', 'bob@example.net')).accepted).toBe(true);
    expect((await send('alice@example.com', 'info@localhost')).accepted).toBe(true);
    expect((await send('discard@example.com', 'bob@example.net')).accepted).toBe(true);
    expect((await send('held@example.com', 'bob@example.net')).accepted).toBe(true);
    expect((await send('warned@example.com', 'bob@example.net')).accepted).toBe(true);
    expect((await send('alice@example.com', 'carol@later.example')).accepted).toBe(true);
    expect((await send('alice@example.com', 'dave@never.example')).accepted).toBe(true);
    // Not in mynetworks: Relay access denied.
    expect((await send('spam@example.org', 'victim@example.net', '127.0.0.5')).accepted).toBe(false);
    // Four reach the next hop: alice's, the forward of info@, warned's, and the notice of dave's bounce to alice.
    await sink.waitFor(4, 60_000);
    await pf.waitForLog((l) => l.includes('to=<carol@later.example>') && l.includes('status=deferred'), 30_000);
    const forwarded = await pf.waitForLog('status=sent (forwarded as ', 30_000);
    const forwardId = forwarded.slice(forwarded.indexOf('(forwarded as ') + 14, -1);
    await pf.waitForLog((l) => l.includes(`${forwardId}: to=<owner@example.net>`) && l.includes('status=sent'), 30_000);
    for (const what of [': discard: RCPT from', ': hold: RCPT from', 'NOQUEUE: reject_warning: RCPT from', 'NOQUEUE: reject: RCPT from', 'status=bounced']) await pf.waitForLog(what);
    // Postfix logs a delivery once the sink has answered: both readers must find all four in the file.
    await pf.waitForLog(() => pf.readLog().split('\n').filter((l) => l.includes('status=sent (250')).length === 4, 30_000);

    // Both read one snapshot (Postfix may yet log a removal or a retry).
    const snapshot = path.join(pf.dir, 'maillog.snapshot');
    fs.writeFileSync(snapshot, pf.readLog());
    const io = captureIo();
    expect(await main(['logs', 'scan', snapshot, '--json'], { ...io, env: {} })).toBe(0);
    const t = JSON.parse(io.text.out).traffic;
    const p = pflogsummTotals(snapshot);
    // What this log holds, so that agreeing is not agreeing on zero.
    expect(p).toMatchObject({ received: 7, delivered: 4, forwarded: 1, deferred: 1, deferrals: 1, bounced: 1, rejected: 1, 'reject warnings': 1, held: 1, discarded: 1 });
    expect({
      received: t.received, delivered: t.delivered, forwarded: t.forwarded, deferrals: t.deferred, bounced: t.bounced,
      rejected: t.rejected, 'reject warnings': t.rejectWarnings, held: t.held, discarded: t.discarded, 'bytes received': t.bytesReceived,
    }).toEqual({
      received: p.received, delivered: p.delivered, forwarded: p.forwarded, deferrals: p.deferrals, bounced: p.bounced,
      rejected: p.rejected, 'reject warnings': p['reject warnings'], held: p.held, discarded: p.discarded, 'bytes received': p['bytes received'],
    });
  });
});

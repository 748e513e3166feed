'use strict';
// Writes a realistic Postfix + Dovecot mail log (BSD syslog prefix, as rsyslog
// on older Debian and as fail2ban and pflogsumm expect): connect/client/
// cleanup/qmgr/delivery/removed/disconnect flows, submissions with SASL,
// inbound mail, SASL failures (a brute force), Dovecot IMAP/POP3 logins and
// failed logins, relay rejects, local pickups, a compromised account spraying
// from many addresses, and a compromised trusted relay already on blocklists
// (its spam deferred and bounced). Deterministic (seeded).
const fs = require('node:fs');

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Generates at least `target` lines into `file`; returns the exact line count. */
function generate(file, target, seed = 42) {
  const r = rng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const users = Array.from({ length: 300 }, (_, i) => `user${i}@example.com`);
  const remote = ['gmail.test', 'outlook.test', 'remote.test', 'partner.test', 'yahoo.test'];
  const ip = () => `${1 + Math.floor(r() * 222)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
  const userIp = users.map(() => ip());
  const attackers = Array.from({ length: 40 }, ip);
  const botnet = Array.from({ length: 400 }, ip);
  const imapGuessers = Array.from({ length: 60 }, ip);
  const relay = '192.168.122.111';
  let t = Date.UTC(2026, 5, 1, 0, 0, 0);
  let pid = 1000;
  let qn = 0x1a2b3c;
  const fd = fs.openSync(file, 'w');
  let buf = [];
  let lines = 0;
  const stamp = () => {
    const d = new Date(t);
    const day = String(d.getUTCDate()).padStart(2, ' ');
    return `${MONTHS[d.getUTCMonth()]} ${day} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
  };
  const out = (tag, p, msg) => {
    buf.push(`${stamp()} mail ${tag}[${p}]: ${msg}\n`);
    lines++;
    if (buf.length >= 20000) {
      fs.writeSync(fd, buf.join(''));
      buf = [];
    }
  };
  const qid = () => (qn++).toString(16).toUpperCase().padStart(10, '0');
  while (lines < target) {
    t += Math.floor(r() * 300);
    const kind = r();
    const smtpd = pid++;
    if (kind < 0.12) {
      // Brute force: one attacker tries admin and friends.
      const a = pick(attackers);
      out('postfix/submission/smtpd', smtpd, `connect from unknown[${a}]`);
      out('postfix/submission/smtpd', smtpd, `warning: unknown[${a}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=${pick(['admin', 'info', 'test', 'user1@example.com'])}`);
      out('postfix/submission/smtpd', smtpd, `lost connection after AUTH from unknown[${a}]`);
      out('postfix/submission/smtpd', smtpd, `disconnect from unknown[${a}] ehlo=1 auth=0/1 commands=1/2`);
      continue;
    }
    if (kind < 0.145) {
      // Dovecot: IMAP/POP3 logins, and password guessing against them.
      const d = r();
      const svc = d < 0.7 ? 'imap-login' : 'pop3-login';
      const session = Math.floor(r() * 1e12).toString(36);
      if (d < 0.45) {
        const u = Math.floor(r() * users.length);
        out('dovecot', 77, `${svc}: Login: user=<${users[u]}>, method=PLAIN, rip=${userIp[u]}, lip=192.0.2.10, mpid=${pid++}, TLS, session=<${session}>`);
      } else {
        const n = 1 + Math.floor(r() * 3);
        out('dovecot', 77, `${svc}: Disconnected (auth failed, ${n} attempts in ${2 + Math.floor(r() * 20)} secs): user=<${pick(['admin', 'info', pick(users)])}>, method=PLAIN, rip=${pick(imapGuessers)}, lip=192.0.2.10, TLS, session=<${session}>`);
      }
      continue;
    }
    if (kind < 0.17) {
      const a = ip();
      const rc = `x${Math.floor(r() * 1e6)}@${pick(remote)}`;
      out('postfix/smtpd', smtpd, `connect from unknown[${a}]`);
      out('postfix/smtpd', smtpd, `NOQUEUE: reject: RCPT from unknown[${a}]: 554 5.7.1 <${rc}>: Relay access denied; from=<spam@${pick(remote)}> to=<${rc}> proto=ESMTP helo=<WIN-${Math.floor(r() * 1e4)}>`);
      out('postfix/smtpd', smtpd, `disconnect from unknown[${a}] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4`);
      continue;
    }
    const q = qid();
    const nrcpt = 1 + Math.floor(r() * r() * 8);
    let from;
    if (kind < 0.2) {
      from = 'www-data@mail.example.com';
      out('postfix/pickup', pid++, `${q}: uid=33 from=<www-data>`);
    } else {
      let who;
      let a;
      if (kind < 0.25) {
        who = 'admin@example.com';
        a = pick(botnet);
      } else if (kind < 0.6) {
        const u = Math.floor(r() * users.length);
        who = users[u];
        a = userIp[u];
      } else if (kind < 0.63) {
        a = relay;
      } else {
        a = ip();
      }
      from = who || (a === relay ? `promo${Math.floor(r() * 50)}@example.com` : `news${Math.floor(r() * 1000)}@${pick(remote)}`);
      const tag = who ? 'postfix/submission/smtpd' : 'postfix/smtpd';
      out(tag, smtpd, `connect from mail${Math.floor(r() * 100)}.${pick(remote)}[${a}]`);
      out(tag, smtpd, who ? `${q}: client=unknown[${a}], sasl_method=LOGIN, sasl_username=${who}` : a === relay ? `${q}: client=gateway[${a}]` : `${q}: client=mail.${pick(remote)}[${a}]`);
      out('postfix/cleanup', pid++, `${q}: message-id=<${Math.floor(r() * 1e12).toString(36)}@${who ? 'example.com' : pick(remote)}>`);
      out(tag, smtpd, `disconnect from unknown[${a}] ehlo=1 auth=${who ? 1 : 0} mail=1 rcpt=${nrcpt} data=1 quit=1 commands=${5 + nrcpt}`);
    }
    const qmgr = 500;
    out('postfix/qmgr', qmgr, `${q}: from=<${from}>, size=${1000 + Math.floor(r() * 50000)}, nrcpt=${nrcpt} (queue active)`);
    const outbound = from.endsWith('@example.com') || from.startsWith('www-data');
    for (let k = 0; k < nrcpt; k++) {
      if (outbound) {
        // The relay is on blocklists: most of what it sends is refused.
        const x = r() + (from.startsWith('promo') ? 0.6 : 0);
        const status = x < 0.9 ? 'sent (250 2.0.0 Ok: queued as 4Xyz)' : x < 1.3 ? 'deferred (connect to mx.remote.test[192.0.2.9]:25: Connection timed out)'
          : 'bounced (host mx.remote.test[192.0.2.9] said: 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org (in reply to RCPT TO command))';
        out('postfix/smtp', pid++, `${q}: to=<r${Math.floor(r() * 1e5)}@${pick(remote)}>, relay=mx.${pick(remote)}[192.0.2.${1 + k}]:25, delay=${(r() * 3).toFixed(2)}, delays=0.1/0/0.6/0.3, dsn=2.0.0, status=${status}`);
      } else {
        out('postfix/lmtp', pid++, `${q}: to=<${pick(users)}>, relay=mail.example.com[private/dovecot-lmtp], delay=0.12, delays=0.05/0/0.01/0.06, dsn=2.0.0, status=sent (250 2.0.0 <${pick(users)}> Saved)`);
      }
    }
    out('postfix/qmgr', qmgr, `${q}: removed`);
  }
  fs.writeSync(fd, buf.join(''));
  fs.closeSync(fd);
  return lines;
}

module.exports = { generate };

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/gen-maillog.js FILE [LINES]\n');
    process.exit(2);
  }
  process.stdout.write(`${generate(file, Number(n || 2_200_000))} lines written to ${file}\n`);
}

import { classifyRejection } from '../../../../plugins/reputation-watch/classify';

/*
 * Each reply below is the text Postfix logs in parentheses after status=, with
 * the wording as the provider or list publishes it. Addresses are from the
 * documentation ranges.
 */
const GMAIL_RELAY = 'gmail-smtp-in.l.google.com[142.250.27.26]:25';

describe('classifyRejection: the phrasings of the issue, from published sources', () => {
  it('Spamhaus via a Postfix reject_rbl_client reply ("blocked using zen.spamhaus.org"; Postfix postconf(5) rbl_reply_maps default text)', () => {
    // Postfix's default RBL reply: "$rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}".
    const r = classifyRejection('host mx.example.net[198.51.100.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.7 (in reply to RCPT TO command)', 'mx.example.net[198.51.100.9]:25');
    expect(r).toEqual({ source: 'zen.spamhaus.org', kind: 'dnsbl', delistUrl: 'https://check.spamhaus.org/', ip: '203.0.113.7' });
  });

  it('"listed at" a list (SpamCop reply text "… listed at bl.spamcop.net", https://www.spamcop.net/bl.shtml)', () => {
    const r = classifyRejection('host mx.example.org[198.51.100.10] said: 550 5.7.1 Mail from 203.0.113.7 refused: listed at bl.spamcop.net (in reply to MAIL FROM command)', 'mx.example.org[198.51.100.10]:25');
    expect(r).toMatchObject({ source: 'bl.spamcop.net', kind: 'dnsbl', delistUrl: 'https://www.spamcop.net/bl.shtml', ip: '203.0.113.7' });
  });

  it('a bare "RBL" refusal names no list (generic reply of many MTAs)', () => {
    expect(classifyRejection('host mx.example.com[198.51.100.11] said: 550 RBL: your address is blocked (in reply to RCPT TO command)', 'mx.example.com[198.51.100.11]:25')).toEqual({ source: 'unnamed', kind: 'dnsbl' });
    // "rbl" inside a word is not the word
    expect(classifyRejection('host x[198.51.100.1] said: 550 5.1.1 user verblessness unknown')).toBeUndefined();
  });

  it('"poor reputation" (Cloudmark-style reply used by Comcast/Cox and others; https://csi.cloudmark.com/)', () => {
    expect(classifyRejection('host mx.example.com[198.51.100.12] said: 554 5.7.1 Connection refused due to poor reputation of 203.0.113.7', 'mx.example.com[198.51.100.12]:25')).toEqual({ source: 'unnamed', kind: 'reputation', ip: '203.0.113.7' });
  });

  it('Microsoft Outlook.com S3150 (reply quoted in Microsoft Q&A/bounce reports; "part of their network is on our block list (S3150)")', () => {
    const text = "host hotmail-com.olc.protection.outlook.com[104.47.18.97] said: 550 5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM0PR01.eop-EUR01.prod.protection.outlook.com] (in reply to MAIL FROM command)";
    expect(classifyRejection(text, 'hotmail-com.olc.protection.outlook.com[104.47.18.97]:25')).toEqual({ source: 'outlook.com', kind: 'provider-block', code: 'S3150', delistUrl: 'https://olcsupport.office.com/', ip: '203.0.113.7' });
  });

  it('Microsoft Outlook.com S3140 and its AS3140 spelling', () => {
    const text = "host hotmail-com.olc.protection.outlook.com[104.47.12.33] said: 550 5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact your Internet service provider since part of their network is on our block list (AS3140).";
    expect(classifyRejection(text, 'hotmail-com.olc.protection.outlook.com[104.47.12.33]:25')).toMatchObject({ source: 'outlook.com', code: 'S3140', ip: '203.0.113.7' });
  });

  it('Exchange Online Protection 5.7.606 banned sending IP (Microsoft: "To request removal from this list please visit https://sender.office.com/")', () => {
    const text = 'host example-com.mail.protection.outlook.com[104.47.8.36] said: 550 5.7.606 Access denied, banned sending IP [203.0.113.7]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 (in reply to RCPT TO command)';
    expect(classifyRejection(text, 'example-com.mail.protection.outlook.com[104.47.8.36]:25')).toEqual({ source: 'microsoft-365', kind: 'provider-block', code: '5.7.606', delistUrl: 'https://sender.office.com/', ip: '203.0.113.7' });
  });

  it('Gmail 421-4.7.0 unsolicited-mail rate limit (Google, "Gmail SMTP errors and codes": UnsolicitedRateLimitError)', () => {
    const text = 'host gmail-smtp-in.l.google.com[142.250.27.26] said: 421-4.7.0 [203.0.113.7 15] Our system has detected an unusual rate of 421-4.7.0 unsolicited mail originating from your IP address. To protect our 421-4.7.0 users from spam, mail sent from your IP address has been temporarily 421-4.7.0 rate limited. Please visit 421-4.7.0 https://support.google.com/mail/?p=UnsolicitedRateLimitError to 421 4.7.0 review our Bulk Email Senders Guidelines. a1si123 - gsmtp (in reply to end of DATA command)';
    expect(classifyRejection(text, GMAIL_RELAY)).toEqual({ source: 'gmail', kind: 'throttle', code: 'UnsolicitedRateLimitError', delistUrl: 'https://support.google.com/mail/answer/81126', ip: '203.0.113.7' });
  });

  it('Gmail 550-5.7.1 unsolicited mail from our IP, blocked (Google: UnsolicitedIPError)', () => {
    const text = 'host gmail-smtp-in.l.google.com[142.250.27.26] said: 550-5.7.1 [203.0.113.7 1] Our system has detected an unusual rate of 550-5.7.1 unsolicited mail originating from your IP address. To protect our 550-5.7.1 users from spam, mail sent from your IP address has been blocked. 550-5.7.1 Please visit 550-5.7.1 https://support.google.com/mail/?p=UnsolicitedIPError to review our 550 5.7.1 Bulk Email Senders Guidelines. k33si - gsmtp (in reply to end of DATA command)';
    expect(classifyRejection(text, GMAIL_RELAY)).toMatchObject({ source: 'gmail', kind: 'provider-block', code: 'UnsolicitedIPError', ip: '203.0.113.7' });
  });

  it('Gmail 550-5.7.1 likely unsolicited message (Google: UnsolicitedMessageError)', () => {
    const text = 'host gmail-smtp-in.l.google.com[142.250.27.26] said: 550-5.7.1 [203.0.113.7 12] Our system has detected that this message is 550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked. Please visit 550-5.7.1 https://support.google.com/mail/?p=UnsolicitedMessageError 550 5.7.1 for more information. r128si - gsmtp (in reply to end of DATA command)';
    expect(classifyRejection(text, GMAIL_RELAY)).toMatchObject({ source: 'gmail', kind: 'reputation', code: 'UnsolicitedMessageError' });
  });

  it('Gmail 550-5.7.1 very low reputation of the sending IP (Google, "Gmail SMTP errors and codes")', () => {
    const text = 'host gmail-smtp-in.l.google.com[142.250.27.26] said: 550-5.7.1 This message is suspicious due to the very low reputation of the sending IP address. To best protect our users from spam, the message has been blocked. - gsmtp';
    expect(classifyRejection(text, GMAIL_RELAY)).toMatchObject({ source: 'gmail', kind: 'reputation', code: 'LowReputation' });
  });

  it('Yahoo TSS04 (Yahoo Sender Hub, SMTP error codes: "temporarily deferred due to unexpected volume or user complaints")', () => {
    const text = 'host mta7.am0.yahoodns.net[67.195.228.106] said: 421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command)';
    expect(classifyRejection(text, 'mta7.am0.yahoodns.net[67.195.228.106]:25')).toEqual({ source: 'yahoo', kind: 'throttle', code: 'TSS04', delistUrl: 'https://senders.yahooinc.com/smtp-error-codes/', ip: '203.0.113.7' });
  });

  it('Yahoo BL21: refused because Spamhaus lists the address (Yahoo postmaster error codes)', () => {
    const text = "host mta6.am0.yahoodns.net[67.195.204.72] said: 553 5.7.1 [BL21] Connections will not be accepted from 203.0.113.7, because the ip is in Spamhaus's list; see http://postmaster.yahoo.com/550-bl23.html (in reply to MAIL FROM command)";
    expect(classifyRejection(text, 'mta6.am0.yahoodns.net[67.195.204.72]:25')).toMatchObject({ source: 'zen.spamhaus.org', kind: 'dnsbl', code: 'BL21', delistUrl: 'https://check.spamhaus.org/', ip: '203.0.113.7' });
  });

  it('Spamhaus named only by its lookup link (Spamhaus asks receivers to link https://www.spamhaus.org/query/ip/…)', () => {
    const text = 'host mx.example.net[198.51.100.9] said: 550 5.7.1 Rejected: see https://www.spamhaus.org/query/ip/203.0.113.7';
    expect(classifyRejection(text, 'mx.example.net[198.51.100.9]:25')).toMatchObject({ source: 'zen.spamhaus.org', kind: 'dnsbl', ip: '203.0.113.7' });
  });

  it('Barracuda (Barracuda Central: "… blocked using b.barracudacentral.org")', () => {
    const r = classifyRejection('host mx.example.net[198.51.100.9] said: 554 Service unavailable; Client host [203.0.113.7] blocked using b.barracudacentral.org', 'mx.example.net[198.51.100.9]:25');
    expect(r).toMatchObject({ source: 'b.barracudacentral.org', delistUrl: 'https://www.barracudacentral.org/rbl/removal-request' });
  });

  it('a local or paid mirror is its own list, not the public one', () => {
    expect(classifyRejection('said: 554 5.7.1 Client host [203.0.113.7] blocked using zen.dq.spamhaus.net')).toMatchObject({ source: 'zen.dq.spamhaus.net', kind: 'dnsbl' });
    expect(classifyRejection('said: 554 5.7.1 Client host [203.0.113.7] blocked using rbl.example.internal')).toEqual({ source: 'rbl.example.internal', kind: 'dnsbl', ip: '203.0.113.7' });
  });

  it('an IPv6 address in the reply is ours', () => {
    expect(classifyRejection('host mx.example.net[2001:db8::25] said: 554 5.7.1 Client host [2001:db8:1::7] blocked using zen.spamhaus.org', 'mx.example.net[2001:db8::25]:25')?.ip).toBe('2001:db8:1::7');
  });
});

describe('classifyRejection: what is not a reputation problem', () => {
  it.each([
    'host mx.example.net[198.51.100.9] said: 550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)',
    'host mx.example.net[198.51.100.9] said: 452 4.2.2 Mailbox full',
    'connect to mx.example.net[198.51.100.9]:25: Connection timed out',
    'host gmail-smtp-in.l.google.com[142.250.27.26] said: 550-5.7.26 This mail has been blocked because the sender is unauthenticated. - gsmtp',
    'delivery temporarily suspended: connect to 127.0.0.1[127.0.0.1]:2525: Connection refused',
    '',
  ])('%s', (text) => {
    expect(classifyRejection(text)).toBeUndefined();
  });

  it('bad input is ignored, not a crash', () => {
    expect(classifyRejection(undefined as unknown as string)).toBeUndefined();
    expect(classifyRejection(42 as unknown as string)).toBeUndefined();
    expect(classifyRejection('blocked using ' + '.'.repeat(5000))).toBeUndefined();
    expect(classifyRejection('blocked using [' + '1.'.repeat(3000))).toBeUndefined();
  });

  it('hostile text costs its length, not more (no backtracking)', () => {
    const texts = ['listed at a'.repeat(100_000), '['.repeat(200_000), 'from 1.1.1.'.repeat(50_000), 'blocked using x.'.repeat(50_000)];
    for (const t of texts) {
      const start = process.hrtime.bigint();
      classifyRejection(t);
      expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(200);
    }
  });
});

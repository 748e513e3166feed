import { knownList } from './known-lists';
import { addressesIn, hasWord, hostnameAt, MAX_TEXT, relayAddress } from './scan';

/**
 * - `dnsbl`: the remote server refused us because a named DNS blocklist lists our address;
 * - `provider-block`: a large provider's own block list (Microsoft S3150, banned sending IP…);
 * - `reputation`: the provider judged our address or mail as spam / low reputation;
 * - `throttle`: deferred for volume or complaints (Yahoo TSS04, Gmail rate limit): reputation trouble in its early stage.
 */
export type RejectionKind = 'dnsbl' | 'provider-block' | 'reputation' | 'throttle';

export interface Rejection {
  /** The list zone (`zen.spamhaus.org`) or the provider (`outlook.com`, `gmail`, `yahoo`…); `unnamed` when the text names none. */
  readonly source: string;
  readonly kind: RejectionKind;
  /** The provider's own code, when it has one (`S3150`, `TSS04`, `5.7.606`). */
  readonly code?: string;
  /** Where to ask for removal or read what to do, as the list or provider publishes it. */
  readonly delistUrl?: string;
  /** The address the reply says it refused (ours, seen from outside), when it names one other than the relay's. */
  readonly ip?: string;
}

interface ProviderRule {
  /** Every needle must occur (lower-case). */
  readonly all: readonly string[];
  readonly source: string;
  readonly kind: RejectionKind;
  readonly code?: string;
  readonly delistUrl?: string;
}

const OUTLOOK_DELIST = 'https://olcsupport.office.com/';
const OFFICE365_DELIST = 'https://sender.office.com/';
const GMAIL_HELP = 'https://support.google.com/mail/answer/81126';
const YAHOO_HELP = 'https://senders.yahooinc.com/smtp-error-codes/';

/*
 * Provider replies, most specific first. Wording from the providers' pages and
 * from replies quoted in public bounce reports; each unit test cites its source.
 */
const PROVIDER_RULES: readonly ProviderRule[] = [
  // Outlook.com / Hotmail: "Unfortunately, messages from [IP] weren't sent. … part of their network is on our block list (S3150)".
  { all: ['s3150', 'block list'], source: 'outlook.com', kind: 'provider-block', code: 'S3150', delistUrl: OUTLOOK_DELIST },
  { all: ['s3140', 'block list'], source: 'outlook.com', kind: 'provider-block', code: 'S3140', delistUrl: OUTLOOK_DELIST },
  { all: ['sc-001', 'block list'], source: 'outlook.com', kind: 'provider-block', code: 'SC-001', delistUrl: OUTLOOK_DELIST },
  { all: ['ou-001', 'block list'], source: 'outlook.com', kind: 'provider-block', code: 'OU-001', delistUrl: OUTLOOK_DELIST },
  { all: ["weren't sent", 'on our block list'], source: 'outlook.com', kind: 'provider-block', delistUrl: OUTLOOK_DELIST },
  // Exchange Online Protection: "550 5.7.606 Access denied, banned sending IP [IP]. To request removal from this list please visit https://sender.office.com/".
  { all: ['banned sending ip'], source: 'microsoft-365', kind: 'provider-block', delistUrl: OFFICE365_DELIST },
  // Outlook.com: "550 5.7.1 [CSR] Our system has detected an unusual amount of unsolicited email originating from your address."
  { all: ['[csr]', 'unsolicited'], source: 'outlook.com', kind: 'reputation', code: 'CSR', delistUrl: OUTLOOK_DELIST },
  // Gmail: 421-4.7.0 / 421-4.7.28 "unusual rate of unsolicited mail originating from your IP address … temporarily rate limited / blocked".
  { all: ['unsolicited mail originating from your ip', 'rate limited'], source: 'gmail', kind: 'throttle', code: 'UnsolicitedRateLimitError', delistUrl: GMAIL_HELP },
  { all: ['unsolicited mail originating from your ip', 'temporarily'], source: 'gmail', kind: 'throttle', code: 'UnsolicitedRateLimitError', delistUrl: GMAIL_HELP },
  // Gmail: 550-5.7.1 "… unsolicited mail originating from your IP address … has been blocked" (UnsolicitedIPError).
  { all: ['unsolicited mail originating from your ip'], source: 'gmail', kind: 'provider-block', code: 'UnsolicitedIPError', delistUrl: GMAIL_HELP },
  // Gmail: 550-5.7.1 "Our system has detected that this message is likely unsolicited mail" (UnsolicitedMessageError).
  { all: ['likely unsolicited mail'], source: 'gmail', kind: 'reputation', code: 'UnsolicitedMessageError', delistUrl: GMAIL_HELP },
  // Gmail: 421-4.7.0 / 550-5.7.1 "… suspicious due to the very low reputation of the sending IP address / domain".
  { all: ['very low reputation of the sending'], source: 'gmail', kind: 'reputation', code: 'LowReputation', delistUrl: GMAIL_HELP },
  // Yahoo / AOL: "421 4.7.0 [TSS04] Messages from IP temporarily deferred due to unexpected volume or user complaints".
  { all: ['[tss04]'], source: 'yahoo', kind: 'throttle', code: 'TSS04', delistUrl: YAHOO_HELP },
  { all: ['[tss09]'], source: 'yahoo', kind: 'throttle', code: 'TSS09', delistUrl: YAHOO_HELP },
  { all: ['[ts01]'], source: 'yahoo', kind: 'throttle', code: 'TS01', delistUrl: YAHOO_HELP },
  { all: ['[ts02]'], source: 'yahoo', kind: 'throttle', code: 'TS02', delistUrl: YAHOO_HELP },
  { all: ['[ts03]'], source: 'yahoo', kind: 'provider-block', code: 'TS03', delistUrl: YAHOO_HELP },
  // Yahoo: "553 5.7.1 [BL21] Connections will not be accepted from IP, because the ip is in Spamhaus's list".
  { all: ['[bl21]'], source: 'zen.spamhaus.org', kind: 'dnsbl', code: 'BL21' },
  { all: ['[bl23]'], source: 'bl.spamcop.net', kind: 'dnsbl', code: 'BL23' },
  // Proofpoint (many corporate gateways): "… blocked - see https://ipcheck.proofpoint.com/?ip=IP".
  { all: ['ipcheck.proofpoint.com'], source: 'proofpoint', kind: 'provider-block', delistUrl: 'https://ipcheck.proofpoint.com/' },
  { all: ['proofpoint.com/dnsbl-lookup'], source: 'proofpoint', kind: 'provider-block', delistUrl: 'https://ipcheck.proofpoint.com/' },
  // Cloudmark (Comcast, Cox, many ISPs): "… poor reputation … https://csi.cloudmark.com/reset-request".
  { all: ['csi.cloudmark.com'], source: 'cloudmark', kind: 'reputation', delistUrl: 'https://csi.cloudmark.com/en/reset/' },
];

/** Phrases after which a reply names the list: "blocked using zen.spamhaus.org", "listed at bl.spamcop.net"… */
const LIST_PHRASES = ['blocked using ', 'listed at ', 'listed in ', 'listed on ', 'listed by ', 'listed with ', 'rejected by ', 'rbl ', 'dnsbl ', 'see '];

/** Names of lists that replies mention without a zone ("…is in Spamhaus's list"). */
const LIST_WORDS: ReadonlyArray<readonly [string, string]> = [
  ['spamhaus', 'zen.spamhaus.org'],
  ['spamcop', 'bl.spamcop.net'],
  ['barracuda', 'b.barracudacentral.org'],
  ['uceprotect', 'dnsbl-1.uceprotect.net'],
  ['sorbs', 'dnsbl.sorbs.net'],
  ['mailspike', 'bl.mailspike.net'],
  ['psbl', 'psbl.surriel.com'],
];

/** Words that say "a blocklist" or "reputation" without naming one. */
const BLOCKLIST_WORDS = ['rbl', 'dnsbl', 'blacklist', 'blacklisted', 'blocklist', 'blocklisted', 'block list', 'black list', 'blocklisting', 'realtime blackhole'];
const REPUTATION_WORDS = ['poor reputation', 'bad reputation', 'low reputation', 'sender reputation', 'ip reputation', 'reputation of the sending', 'reputation is too low'];

/**
 * What a deferral or bounce reason says about our reputation, or undefined
 * when it says nothing about it (mailbox full, unknown user, TLS trouble…).
 * Linear in the text: one lower-casing, then substring searches over at most
 * MAX_TEXT characters. `relay` is Postfix's relay field; its address is not
 * taken for ours.
 */
export function classifyRejection(reason: string, relay?: string): Rejection | undefined {
  if (typeof reason !== 'string' || reason.length === 0) return undefined;
  const s = reason.slice(0, MAX_TEXT).toLowerCase();
  const ip = ourAddress(s, relay);
  const withIp = (r: Omit<Rejection, 'ip'>): Rejection => (ip ? { ...r, ip } : r);

  for (const rule of PROVIDER_RULES) {
    if (rule.all.every((n) => s.includes(n))) {
      const known = rule.kind === 'dnsbl' ? knownList(rule.source) : undefined;
      const delistUrl = rule.delistUrl ?? known?.delistUrl;
      const code = rule.source === 'microsoft-365' ? (eopCode(s) ?? rule.code) : rule.code;
      return withIp({ source: rule.source, kind: rule.kind, ...(code ? { code } : {}), ...(delistUrl ? { delistUrl } : {}) });
    }
  }

  const named = namedList(s);
  if (named) {
    const known = knownList(named);
    return withIp({ source: named, kind: 'dnsbl', ...(known?.delistUrl ? { delistUrl: known.delistUrl } : {}) });
  }
  for (const [word, zone] of LIST_WORDS) {
    if (hasWord(s, word)) {
      const known = knownList(zone);
      return withIp({ source: zone, kind: 'dnsbl', ...(known?.delistUrl ? { delistUrl: known.delistUrl } : {}) });
    }
  }
  if (BLOCKLIST_WORDS.some((w) => hasWord(s, w))) return withIp({ source: 'unnamed', kind: 'dnsbl' });
  if (REPUTATION_WORDS.some((w) => s.includes(w))) return withIp({ source: 'unnamed', kind: 'reputation' });
  return undefined;
}

/** A list zone named after one of LIST_PHRASES; only a name that looks like a DNSBL or a known list's site counts after `see `. */
function namedList(s: string): string | undefined {
  for (const phrase of LIST_PHRASES) {
    for (let i = s.indexOf(phrase); i >= 0; i = s.indexOf(phrase, i + 1)) {
      const name = hostnameAt(s, i + phrase.length);
      if (!name) continue;
      const known = knownList(name);
      if (phrase === 'see ' || phrase === 'rejected by ') {
        // "see https://www.spamhaus.org/query/ip/…": a list's web site names the list.
        if (known) return known.zone;
        continue;
      }
      // "listed at spamhaus.org" names the operator, not a zone: take its main list.
      return known && name.split('.').length === 2 ? known.zone : name;
    }
  }
  return undefined;
}

/** EOP's enhanced status code in the 5.7.606–5.7.649 range, e.g. `5.7.606`. */
function eopCode(s: string): string | undefined {
  const i = s.indexOf('5.7.6');
  if (i < 0) return undefined;
  const code = s.slice(i, i + 7);
  return /^5\.7\.6[0-4][0-9]$/.test(code) ? code : undefined;
}

/**
 * The first address the reply names that is not the remote server's own: not
 * the relay's, nor one Postfix puts in its own words about the remote
 * (`host mx[198.51.100.9] said:`, `… refused to talk to me:`), in case the
 * relay field is missing.
 */
function ourAddress(s: string, relay: string | undefined): string | undefined {
  const remote = relayAddress(relay);
  return addressesIn(s).find((a) => a !== remote && !s.includes(`[${a}] said`) && !s.includes(`[${a}] refused to talk`) && !s.includes(`[${a}]:25`));
}

/*
 * Store keys of one sender ("subject"): `u:<login>` for an authenticated
 * account, `c:<address>` for an unauthenticated trusted client. Each counter
 * key always has the same window (the store keeps one window per key).
 */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const subjectOfLogin = (login: string) => `u:${login}`;
export const subjectOfClient = (address: string) => `c:${address}`;

export const K = {
  /** Accepted recipients / messages. */
  rcptHour: (s: string) => `rh:${s}`,
  rcptDay: (s: string) => `rd:${s}`,
  msgHour: (s: string) => `mh:${s}`,
  /** Attempts, accepted or not: what the compromise factor is measured on. */
  tryRcptHour: (s: string) => `trh:${s}`,
  tryRcptDay: (s: string) => `trd:${s}`,
  tryMsgHour: (s: string) => `tmh:${s}`,
  networks: (s: string) => `net:${s}`,
  clients: (s: string) => `ip:${s}`,
  senders: (s: string) => `snd:${s}`,
  queued: (s: string) => `qid:${s}`,
  /** A few recipients of the flood, for the alert. */
  sample: (s: string) => `smp:${s}`,
  /** A message the policy already counted (so the log follower's event is not counted twice). */
  seenQueueId: (qid: string) => `seen:${qid}`,
  remediated: (s: string) => `done:${s}`,
} as const;

/** Counters that measure an attack; cleared once it was acted on, so an unlocked account starts afresh. */
export const attemptKeys = (s: string) => [K.tryRcptHour(s), K.tryRcptDay(s), K.tryMsgHour(s), K.networks(s), K.sample(s)];

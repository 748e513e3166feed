export type MailEventKind = 'accepted' | 'sent' | 'deferred' | 'bounced';

/** A message seen by the Postfix gateway or the log follower. */
export interface MailEvent {
  readonly kind: MailEventKind;
  readonly queueId: string;
  readonly saslUsername?: string;
  readonly clientAddress?: string;
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly domain: string;
  readonly at: number;
  /*
   * Delivery attempts (`sent`, `deferred`, `bounced`) read from a Postfix
   * delivery line carry what that line says about the attempt. They are absent
   * on events from the policy gateway, and on lines that do not have them.
   */
  /** Postfix's `relay=`: the remote host as logged, e.g. `mx.example.net[203.0.113.5]:25`, or `none`. */
  readonly relay?: string;
  /** Postfix's `dsn=`, e.g. `5.7.1`. */
  readonly dsn?: string;
  /**
   * The text in parentheses after `status=…`: the remote server's reply or
   * Postfix's own reason. Written by whoever runs the remote server: treat it
   * as hostile text (bounded length, no backtracking parsers).
   */
  readonly reason?: string;
  /** Domain part of the recipient of this attempt, lower-cased. */
  readonly recipientDomain?: string;
}

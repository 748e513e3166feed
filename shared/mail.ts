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
}

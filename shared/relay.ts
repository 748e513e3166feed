/** A Postfix SMTPD policy delegation request, with the attributes plugins use. */
export interface RelayRequest {
  /** `smtpd_access_policy` for every request Postfix sends today. */
  readonly request: string;
  readonly protocolState: string;
  readonly protocolName?: string;
  readonly clientAddress: string;
  readonly clientName?: string;
  readonly heloName?: string;
  readonly saslMethod?: string;
  /** Normalised like an auth login when present. */
  readonly saslUsername?: string;
  readonly sender: string;
  readonly recipient: string;
  readonly recipientCount: number;
  readonly size: number;
  readonly queueId?: string;
  readonly instance: string;
  /** Set by `check_policy_service { ..., policy_context=... }` (Postfix 3.1+). */
  readonly policyContext?: string;
  /** Domain whose plugin settings apply: the sender login's, else the sender's, else the default. */
  readonly domain: string;
  readonly at: number;
  /** Every attribute as received, for plugins that need one the host does not name. */
  readonly attributes: Readonly<Record<string, string>>;
}

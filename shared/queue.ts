export const QueueActions = Symbol('mailwarden.QueueActions');
/**
 * Remediation on the mail queue, lent to plugins (the host implements it on
 * `postqueue -j` and `postsuper`). Holding loses nothing: held mail stays in
 * the hold queue until an admin releases or deletes it. Every method resolves
 * with the number of messages Postfix confirmed.
 */
export interface QueueActions {
  /**
   * Holds every queued message whose envelope sender is exactly `sender`
   * (case-insensitive address equality, never a substring match).
   */
  holdBySender(sender: string): Promise<number>;
  /** Holds the messages with these queue IDs (those still queued). */
  holdQueueIds(queueIds: readonly string[]): Promise<number>;
}

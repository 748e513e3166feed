/** A store call refused because its backend is down and the store is configured to fail closed. */
export class StateUnavailableError extends Error {
  override readonly name = 'StateUnavailableError';
}

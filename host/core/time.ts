export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Resolves as `p` does, or rejects with a TimeoutError after `ms`. The timer never holds the process open. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not finish within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

import type * as http from 'node:http';

/** Stops listening and ends every open connection (keep-alive ones included); resolves once closed. */
export async function closeServer(s: http.Server | undefined): Promise<void> {
  if (!s) return;
  const closed = new Promise<void>((resolve) => s.close(() => resolve()));
  s.closeAllConnections();
  await closed;
}

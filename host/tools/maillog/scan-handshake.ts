/*
 * The states of a log scan's worker thread, in shared memory (one Int32):
 * scan.ts gives a ready worker a byte range, or cancels it; scan-worker.ts
 * waits on the value.
 */
export const W_STARTING = 0;
export const W_READY = 1;
export const W_ASSIGNED = 2;
export const W_CANCELLED = 3;

import { workerData } from 'node:worker_threads';
import { LineRing, type RingGeometry } from './line-ring';
import { produce } from './line-producer';
import { W_ASSIGNED, W_READY, W_STARTING } from './scan-handshake';

/*
 * The worker thread of a two-thread scan (scan.ts scanInPipeline): once
 * loaded, it says so in shared memory and waits to be told to start (the
 * other thread then feeds the line ring from a line start), or that there
 * is nothing for it; then it tokenizes and recognises what the ring brings,
 * to the end of the input. It loads the tokenizer and recognisers only: its
 * start-up is time the other thread scans alone.
 */
const { shared, ring, geometry } = workerData as { shared: SharedArrayBuffer; ring: SharedArrayBuffer; geometry: RingGeometry };
const flag = new Int32Array(shared, 0, 1);
if (Atomics.compareExchange(flag, 0, W_STARTING, W_READY) === W_STARTING) Atomics.wait(flag, 0, W_READY);
if (Atomics.load(flag, 0) === W_ASSIGNED) produce(new LineRing(geometry, ring));

import { workerData } from 'node:worker_threads';
import { LineRing, type RingGeometry } from './line-ring';
import { produce } from './line-producer';
import { W_ASSIGNED, W_READY, W_STARTING } from './scan-handshake';

/*
 * The worker thread of a two-thread scan (scan.ts scanInPipeline): once
 * loaded, it says so in shared memory and waits to be given the byte where
 * its part of the file starts (a line start), or to be told there is none;
 * then it fills the line ring to the end of the file. It loads the
 * tokenizer and recognisers only: its start-up is time the other thread
 * scans alone.
 */
const { file, shared, ring, geometry } = workerData as { file: string; shared: SharedArrayBuffer; ring: SharedArrayBuffer; geometry: RingGeometry };
const flag = new Int32Array(shared, 0, 1);
const range = new Float64Array(shared, 8, 2);
if (Atomics.compareExchange(flag, 0, W_STARTING, W_READY) === W_STARTING) Atomics.wait(flag, 0, W_READY);
if (Atomics.load(flag, 0) === W_ASSIGNED) produce(file, range[0], new LineRing(geometry, ring));

import { workerData } from 'node:worker_threads';
import { LineRing, type RingGeometry } from './line-ring';
import { produce } from './line-producer';

/*
 * The worker thread of a two-thread scan (scan.ts scanInPipeline): it
 * tokenizes and recognises what the line ring brings, as the other thread
 * reads it in, to the end of the input. It loads the tokenizer and
 * recognisers only, and waits on the ring from the start: the other thread
 * reads ahead while it loads.
 */
const { ring, geometry } = workerData as { ring: SharedArrayBuffer; geometry: RingGeometry };
produce(new LineRing(geometry, ring));

'use strict';
// Reading a large Postfix queue without stalling the event loop.
// 1. Counting the queue directories (what every check and every /metrics
//    scrape does) against a synchronous readdir+stat walk of the same tree,
//    the baseline, in the same run. Reported: time ratio, and the longest
//    event-loop stall during each (the point of the async walk).
// 2. Streaming `postqueue -j` output (100k messages) through the parser
//    against JSON.parse of the same lines in a plain loop.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Readable } = require('node:stream');
const { countQueues } = require('../dist/app/host/tools/postfix/queue/queue-dirs');
const { readPostqueueJson } = require('../dist/app/host/tools/postfix/queue/postqueue-json');

const FILES = Number(process.env.BENCH_QUEUE_FILES || 20_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES || 100_000);

/** Longest gap between 1 ms timer ticks while `fn` runs: how long the loop was blocked. */
async function withLag(fn) {
  let last = performance.now();
  let worst = 0;
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  clearInterval(t);
  worst = Math.max(worst, performance.now() - last);
  return { ms, lagMs: worst, r };
}

function syncWalk(dir) {
  let n = 0;
  let bytes = 0;
  for (const q of ['incoming', 'active', 'deferred', 'hold', 'maildrop']) {
    const stack = [path.join(dir, q)];
    while (stack.length) {
      const d = stack.pop();
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) stack.push(p);
        else {
          n++;
          bytes += fs.statSync(p).size;
        }
      }
    }
  }
  return { n, bytes };
}

(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-queue-'));
  for (const q of ['incoming', 'active', 'deferred', 'hold', 'maildrop']) fs.mkdirSync(path.join(root, q));
  const hex = '0123456789ABCDEF';
  for (const h of hex) fs.mkdirSync(path.join(root, 'deferred', h));
  const body = Buffer.alloc(2048, 65);
  for (let i = 0; i < FILES; i++) {
    const id = i.toString(16).toUpperCase().padStart(10, '0');
    const file = i % 10 === 0 ? path.join(root, 'active', id) : path.join(root, 'deferred', id[id.length - 1], id);
    fs.writeFileSync(file, body);
  }
  const best = async (fn) => {
    let b;
    for (let r = 0; r < 3; r++) {
      global.gc?.();
      const m = await withLag(fn);
      if (!b || m.ms < b.ms) b = { ...m, lagMs: Math.max(m.lagMs, b ? b.lagMs : 0) };
    }
    return b;
  };
  const base = await best(async () => syncWalk(root));
  const ours = await best(() => countQueues(root, Date.now()));
  const counted = ours.r.deferred.length + ours.r.active.length;
  if (counted !== FILES || base.r.n !== FILES) throw new Error(`counted ${counted}/${base.r.n}, expected ${FILES}`);
  console.log(`queue directories, ${FILES} files: sync walk ${base.ms.toFixed(0)} ms (longest loop stall ${base.lagMs.toFixed(0)} ms); countQueues ${ours.ms.toFixed(0)} ms (longest stall ${ours.lagMs.toFixed(1)} ms)`);
  console.log(`  time ratio countQueues/sync = ${(ours.ms / base.ms).toFixed(2)}; stall ratio = ${(ours.lagMs / base.lagMs).toFixed(3)}`);
  fs.rmSync(root, { recursive: true, force: true });

  const lines = [];
  for (let i = 0; i < MESSAGES; i++) {
    lines.push(JSON.stringify({ queue_name: 'deferred', queue_id: i.toString(16).toUpperCase(), arrival_time: 1700000000 + i, message_size: 2048, forced_expire: false, sender: `user${i % 500}@example.com`, recipients: [{ address: `r${i}@example.net`, delay_reason: 'connect to 127.0.0.1[127.0.0.1]:1: Connection refused' }] }));
  }
  const text = lines.join('\n') + '\n';
  const chunks = [];
  for (let i = 0; i < text.length; i += 65536) chunks.push(text.slice(i, i + 65536));
  const pBase = await best(async () => {
    let n = 0;
    for (const l of text.split('\n')) if (l) n += JSON.parse(l).recipients.length;
    return n;
  });
  const pOurs = await best(async () => {
    let n = 0;
    for await (const m of readPostqueueJson(Readable.from(chunks))) n += m.recipients.length;
    return n;
  });
  if (pOurs.r !== MESSAGES || pBase.r !== MESSAGES) throw new Error('postqueue parse count mismatch');
  console.log(`postqueue -j, ${MESSAGES} messages: JSON.parse loop ${pBase.ms.toFixed(0)} ms (stall ${pBase.lagMs.toFixed(0)} ms); readPostqueueJson ${pOurs.ms.toFixed(0)} ms (stall ${pOurs.lagMs.toFixed(1)} ms)`);
  console.log(`  time ratio stream/loop = ${(pOurs.ms / pBase.ms).toFixed(2)}; stall ratio = ${(pOurs.lagMs / pBase.lagMs).toFixed(3)}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});

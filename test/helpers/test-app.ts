import * as path from 'node:path';
import { Writable } from 'node:stream';
import type { MailQueue } from '../../shared';
import { App } from '../../host/core/app';
import { type HostConfig, loadHostConfig } from '../../host/core/config/host-config';
import { ManualClock } from '../../host/core/services/clock';
import { createLogger } from '../../host/core/services/logger';
import type { HostStore } from '../../host/core/state/host-store';
import { MemoryStore } from '../../host/core/state/memory-store';
import { tempDir } from './plugin-fixture';

/** Log lines a test can read (JSON objects). */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    for (const l of chunk.toString().split('\n')) if (l.trim()) this.lines.push(JSON.parse(l));
    cb();
  }
  find(msg: string): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.msg === msg);
  }
}

export interface TestAppOptions {
  pluginDir?: string;
  dataDir?: string;
  store?: HostStore;
  clock?: ManualClock;
  config?: Partial<HostConfig>;
  queue?: MailQueue;
}

export async function testApp(o: TestAppOptions = {}) {
  const dataDir = o.dataDir ?? tempDir('mw-data-');
  const base = loadHostConfig({ dataDir, pluginDir: o.pluginDir ?? tempDir('mw-plugins-'), env: {} });
  const config: HostConfig = { ...base, state: { ...base.state, backend: 'memory' }, ...o.config };
  const clock = o.clock ?? new ManualClock();
  const logs = new LogCapture();
  const app = await App.open({ config, clock, store: o.store ?? new MemoryStore(), logger: createLogger('debug', logs), ...(o.queue ? { queue: o.queue } : {}) });
  return { app, clock, logs, config, dataDir: path.resolve(dataDir) };
}

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SystemActions } from '../../../shared';
import { privilegedRoute } from './route';

/** The host's SystemActions: through mailwarden-privd when the route is installed, in-process otherwise. */
export class HostSystemActions implements SystemActions {
  async replaceTable(file: string, content: string): Promise<void> {
    const via = privilegedRoute();
    if (via) {
      await via.request({ op: 'replace-table', file, content });
      return;
    }
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  async run(argv: readonly string[]): Promise<string> {
    const via = privilegedRoute();
    if (via) return via.request({ op: 'run', argv });
    const [cmd, ...args] = argv;
    return new Promise((resolve, reject) => {
      execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
        const out = `${stdout}${stderr}`.trim();
        if (err) reject(new Error(`${argv.join(' ')} failed: ${out || err.message}`));
        else resolve(out);
      });
    });
  }
}

import { execFile } from 'node:child_process';
import type { PostfixConfig } from '../postfix-config';

/** The instance's queue_directory: from the config, or asked from `postconf -h queue_directory`. */
export function askQueueDirectory(config: Pick<PostfixConfig, 'queueDirectory' | 'configDir' | 'postconfPath'>): Promise<string> {
  if (config.queueDirectory) return Promise.resolve(config.queueDirectory);
  return new Promise<string>((resolve, reject) => {
    const args = [...(config.configDir ? ['-c', config.configDir] : []), '-h', 'queue_directory'];
    execFile(config.postconfPath, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const dir = stdout?.toString().trim();
      if (err || !dir) reject(new Error(`cannot find the Postfix queue (set postfix.queueDirectory): ${config.postconfPath} ${args.join(' ')}: ${stderr?.toString().trim() || err?.message || 'no output'}`));
      else resolve(dir);
    });
  });
}

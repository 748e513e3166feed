import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Privd } from './privd';

/**
 * Entry of mailwarden-privd (the unit runs it as root):
 *   node privd-main.js --config /etc/mailwarden/mailwarden.json
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' }, group: { type: 'string' } }, strict: true });
  if (!values.config) throw new Error('--config FILE is required');
  if (process.getuid?.() !== 0) throw new Error('must run as root (it performs the root actions the unprivileged service may not)');
  const d = new Privd({ configFile: values.config, group: values.group });
  await d.listen();
  const stop = () => void d.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(`mailwarden-privd: ${(e as Error).message}\n`);
  process.exit(1);
});

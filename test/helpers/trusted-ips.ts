import * as path from 'node:path';
import type { CommandContribution, RelayRequest } from '../../shared';
import type { App } from '../../host/core/app';
import { captureIo } from './cli-io';

/** The built plugins: those of the private build MAILWARDEN_TEST_BIN names (see cli.ts), else this checkout's dist/. */
export const DIST_PLUGINS = process.env.MAILWARDEN_TEST_BIN
  ? path.join(path.dirname(path.resolve(process.env.MAILWARDEN_TEST_BIN)), '..', 'dist', 'plugins')
  : path.join(__dirname, '..', '..', 'dist', 'plugins');

/** A RelayRequest as the gateway builds it, for hook tests. */
export function relayRequest(o: Partial<RelayRequest> & { clientAddress: string }, now: number): RelayRequest {
  return {
    request: 'smtpd_access_policy', protocolState: 'RCPT', sender: 'app@example.com', recipient: 'someone@example.net',
    recipientCount: 0, size: 0, instance: 'i', domain: 'example.com', at: now, attributes: {}, ...o,
  };
}

export interface CommandRun {
  code: number;
  out: string;
  err: string;
}

/** Runs a plugin command of a loaded App as the CLI would (actor, configs). */
export async function runPluginCommand(app: App, name: string, argv: string[], actor = 'cli:tester'): Promise<CommandRun> {
  const p = app.registry.active.find((x) => x.commands.some((c) => c.name === name));
  if (!p) throw new Error(`no loaded plugin contributes "${name}"`);
  const cmd = p.commands.find((c) => c.name === name) as CommandContribution;
  const io = captureIo();
  const code = await cmd.run(argv, { ...io, actor, configs: app.serviceContext(p).configs });
  return { code, ...io.text };
}

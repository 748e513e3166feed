import { UsageError } from '../../../../shared';
import { resolveAdminToken } from '../../../core/config/admin-token';
import { SqliteStore } from '../../../core/state/sqlite-store';
import { CliContext, parse } from '../cli-context';
import type { CliCommand } from '../command';

interface SecretModule {
  resolveDovecotSecret(config: unknown): { file?: string } | undefined;
}

/** The Dovecot secret lives with the gateway; loaded by name so this command works with or without it. */
function dovecotSecretModule(): SecretModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../../core/config/api-secret') as SecretModule;
  } catch {
    return undefined;
  }
}

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'create the state store or bring its schema forward; create the admin token and Dovecot secret if missing',
  usage: `mailwarden migrate [--config FILE] [--data-dir DIR]
  What the service does at start, without starting it: opens the store (creating it,
  or running the schema's forward steps; a store a newer mailwarden wrote is refused),
  creates the default domain, the admin token and the Dovecot policy secret when they
  are missing. The Debian package runs it, as the mailwarden user, on install and upgrade.`,
  async run(argv, io) {
    const p = parse(argv, {}, 'migrate');
    if (p.positionals.length) throw new UsageError(`migrate: unexpected argument "${p.positionals[0]}"`);
    const ctx = new CliContext(io, p);
    const config = ctx.config();
    // Opening runs the schema's forward steps (SQLite, Redis) and adds the default domain on a fresh store.
    const app = await ctx.open({ plugins: false });
    const m = app.store instanceof SqliteStore ? app.store.migration : undefined;
    await ctx.close();
    const schema = !m ? '' : m.from === m.to ? `schema ${m.to}, up to date` : m.before ? `schema ${m.from} → ${m.to}; the file as it was: ${m.before}` : `created with schema ${m.to}`;
    const token = resolveAdminToken(config);
    const secret = dovecotSecretModule()?.resolveDovecotSecret(config);
    ctx.out(`state: ${m ? `${config.dataDir} (${schema})` : app.store.backend}`);
    ctx.out(`admin token: ${token.file ?? 'set in the config'}`);
    if (secret) ctx.out(`Dovecot policy secret: ${secret.file ?? 'set in the config'}`);
    return 0;
  },
};

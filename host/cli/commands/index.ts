import type { CliCommand } from '../command';
import { accountCommand } from './account';
import { backupCommand, restoreCommand } from './backup';
import { blocksCommand } from './blocks';
import { configCommand } from './config';
import { doctorCommand } from './doctor';
import { domainsCommand } from './domains';
import { logsCommand } from './logs';
import { migrateCommand } from './migrate';
import { passwordCommand } from './password';
import { pluginsCommand } from './plugins';
import { queueCommand } from './queue';
import { relayCommand } from './relay';
import { serveCommand } from './serve';

/** The host's commands, in the order `mailwarden --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [serveCommand, domainsCommand, pluginsCommand, configCommand, blocksCommand, doctorCommand, relayCommand, accountCommand, queueCommand, logsCommand, passwordCommand, backupCommand, restoreCommand, migrateCommand];

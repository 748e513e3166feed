import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/plugin-fixture';
import { runCli } from '../../helpers/run-cli';

/*
 * Issue 14 (low), the CLI side: `doveadm kick` reads its user argument as a
 * mask, so `mailwarden account logout '*@example.com'` would close every
 * user's sessions. Such a login never reaches the kick command.
 */

jest.setTimeout(60_000);

test.each(['*@example.com', 'a?c@example.com', '-a@example.com'])('account logout %j: exit 2 naming the character, the kick command does not run', async (login) => {
  const dir = tempDir('mw-kick-cli-');
  const kicked = path.join(dir, 'kicked');
  const config = path.join(dir, 'mailwarden.json');
  const kickCommand = [process.execPath, '-e', 'require("fs").appendFileSync(process.argv[1], process.argv[2] + "\\n")', kicked, '{login}'];
  fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir: path.join(dir, 'plugins'), accounts: { kickCommand } }));
  fs.mkdirSync(path.join(dir, 'plugins'));
  const r = await runCli(['account', 'logout', '--config', config, '--', login]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/kick/);
  expect(fs.existsSync(kicked)).toBe(false);
  // The same command with an ordinary login does run: the refusal is about the login, not the setup.
  expect((await runCli(['account', 'logout', 'carol@example.com', '--config', config])).code).toBe(0);
  expect(fs.readFileSync(kicked, 'utf8')).toBe('carol@example.com\n');
});

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { startServe } from '../../helpers/cli';
import { tempDir } from '../../helpers/plugin-fixture';

/*
 * Issue 18, reload: SIGHUP (systemctl reload) re-reads the config file. A
 * valid change applies to the running service; one only a restart can take
 * is named in the log; an invalid file changes nothing and says why.
 */

jest.setTimeout(90_000);

/** A Dovecot policy request without the secret header: refused (401), and logged at debug level only. */
function unauthorisedPolicyRequest(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/?command=allow', headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ login: 'alice', remote: '192.0.2.1', protocol: 'imap' }));
  });
}

const refusedLines = (logs: Array<Record<string, any>>) => logs.filter((l) => l.msg === 'dovecot policy request refused').length;

test('SIGHUP: a valid change applies (log level), a restart-only change is named, an invalid file keeps the running config and names file and path', async () => {
  const dir = tempDir('mw-reload-');
  const file = path.join(dir, 'mailwarden.json');
  const base = { dataDir: path.join(dir, 'data'), pluginDir: tempDir('mw-plugins-') };
  fs.writeFileSync(file, JSON.stringify({ ...base, log: { level: 'info' } }));
  const serve = await startServe(['--config', file, '--listen-postfix', 'off']);
  try {
    const port = serve.ports.dovecot;
    expect(await unauthorisedPolicyRequest(port)).toBe(401);
    // At info the refusal is not logged: the level in force is the file's.
    await new Promise((r) => setTimeout(r, 200));
    expect(refusedLines(serve.logs)).toBe(0);

    // Valid: debug level and a mail log to follow (both apply), another dataDir (needs a restart).
    const maillog = path.join(dir, 'mail.log');
    fs.writeFileSync(maillog, '');
    fs.writeFileSync(file, JSON.stringify({ ...base, dataDir: path.join(dir, 'elsewhere'), log: { level: 'debug' }, logFollow: { files: [maillog] } }));
    serve.child.kill('SIGHUP');
    expect(await serve.waitFor((l) => l.msg === 'reload finished')).toMatchObject({ applied: true });
    const restart = serve.logs.find((l) => typeof l.msg === 'string' && l.msg.includes('needs a restart'));
    expect(restart).toMatchObject({ file, settings: ['dataDir'] });
    expect(serve.logs.find((l) => l.msg === 'config and plugins reloaded')?.changed).toEqual(['log.level', 'logFollow.files']);
    expect(serve.logs.find((l) => l.msg === 'following log')).toMatchObject({ file: maillog });
    expect(await unauthorisedPolicyRequest(port)).toBe(401);
    await serve.waitFor((l) => l.msg === 'dovecot policy request refused');

    // Invalid: refused, the log says which file, which path and which rule; nothing changes.
    fs.writeFileSync(file, JSON.stringify({ ...base, hookTimeoutMs: 0, log: { level: 'info' }, logFollow: { files: [maillog] } }));
    const before = serve.logs.length;
    serve.child.kill('SIGHUP');
    const refused = await serve.waitFor((l) => l.msg === 'reload refused: the config file is not valid; the running configuration is unchanged');
    expect(refused).toMatchObject({ file, problems: [{ path: '/hookTimeoutMs', rule: 'minimum' }] });
    expect(refused.err).toContain(`${file}: /hookTimeoutMs must be >= 1 (minimum)`);
    expect(await serve.waitFor((l) => l.msg === 'reload finished' && serve.logs.indexOf(l) > before)).toMatchObject({ applied: false });
    // Still running, still at debug level (the invalid file's "info" did not apply).
    const seen = refusedLines(serve.logs);
    expect(await unauthorisedPolicyRequest(port)).toBe(401);
    await serve.waitFor(() => refusedLines(serve.logs) > seen);
    expect(serve.child.exitCode).toBeNull();
  } finally {
    expect(await serve.stop()).toBe(0);
  }
});

#!/usr/bin/env node
// `npm run package`: builds dist/mailwarden_<version>_<arch>.deb with dpkg-deb,
// offline. The application is built into a staging tree of its own (not dist/,
// which another `node build.mjs` may wipe meanwhile), next to the production
// dependencies only (npm ls --omit=dev, from node_modules; the native
// better-sqlite3 binding included, its sources left out).
//
//   node packaging/build-deb.mjs [--out DIR] [--version V] [--schema N] [--keep]
//
// --schema N builds a package whose SQLite schema stops at step N, and
// --previous VERSION:N one such package more from the same build (upgrade tests
// of an earlier schema; never for release).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({ options: { out: { type: 'string' }, version: { type: 'string' }, schema: { type: 'string' }, previous: { type: 'string' }, keep: { type: 'boolean' } }, strict: true });
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const version = opt.version ?? pkg.version;
if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(version)) throw new Error(`--version ${version}: not a Debian version`);
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const outDir = path.resolve(opt.out ?? path.join(root, 'dist'));
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwarden-deb-'));
const lib = path.join(stage, 'usr/lib/mailwarden');

const PRIV_SOCKET = '/run/mailwarden-privd/privd.sock';
const TABLE = '/etc/postfix/mailwarden/trusted.cidr';
const RELOAD = ['postfix', 'reload'];

/**
 * Drops the packages nothing loads at run time: what a plugin needs is in its
 * bundle (zxcvbn's dictionaries, for one), so only what the host's own code and
 * the bundles' externals require stays, with everything it depends on.
 */
function pruneUnused() {
  const wanted = new Set();
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/require\(["']([^."'/][^"']*)["']\)/g)) {
          const name = m[1].match(/^(@[^/]+\/[^/]+|[^/]+)/)[1];
          if (!name.startsWith('node:') && name !== '@mailwarden/shared') wanted.add(name);
        }
      }
    }
  };
  for (const d of ['dist/app/host', 'dist/app/shared', 'dist/plugins']) walk(path.join(lib, d));
  const tree = JSON.parse(execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: root, encoding: 'utf8' }));
  const keep = new Set();
  const take = (deps, all) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (!all && !wanted.has(name)) continue;
      keep.add(name);
      take(node.dependencies, true);
    }
  };
  take(tree.dependencies, false);
  const missing = [...wanted].filter((n) => !keep.has(n) && !require('node:module').builtinModules.includes(n));
  if (missing.length) throw new Error(`the app requires ${missing.join(', ')}, which is not a production dependency in package.json`);
  const nm = path.join(lib, 'node_modules');
  for (const e of fs.readdirSync(nm)) {
    const names = e.startsWith('@') ? fs.readdirSync(path.join(nm, e)).map((x) => `${e}/${x}`) : [e];
    for (const n of names) if (!keep.has(n) && !n.startsWith('.')) fs.rmSync(path.join(nm, n), { recursive: true, force: true });
    if (e.startsWith('@') && fs.readdirSync(path.join(nm, e)).length === 0) fs.rmdirSync(path.join(nm, e));
  }
}

function mkdir(p, mode = 0o755) {
  fs.mkdirSync(p, { recursive: true, mode });
  return p;
}
function write(p, text, mode = 0o644) {
  mkdir(path.dirname(p));
  fs.writeFileSync(p, text, { mode });
  fs.chmodSync(p, mode);
}

try {
  mkdir(lib);
  write(path.join(lib, 'package.json'), JSON.stringify({ name: 'mailwarden', version, private: true, type: 'commonjs', license: pkg.license, description: pkg.description }, null, 2) + '\n');
  // 1. Production dependencies, as npm resolved them, without sources, docs and typings
  // (first: the build loads the app's own modules, which need them).
  const deps = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' }).trim().split('\n').filter((d) => d !== root);
  const skip = (rel) => /(^|\/)(\.github|test|tests|docs?|benchmark)(\/|$)|\.(d\.ts|d\.mts|map|md|markdown|ts)$/i.test(rel) && !/license/i.test(rel);
  for (const dir of deps) {
    const rel = path.relative(root, dir);
    if (rel.startsWith('..')) throw new Error(`dependency outside the project: ${dir}`);
    const isSqlite = path.basename(dir) === 'better-sqlite3';
    fs.cpSync(dir, path.join(lib, rel), {
      recursive: true,
      filter: (src) => {
        const r = path.relative(dir, src);
        if (r === '') return true;
        if (r.split(path.sep)[0] === 'node_modules') return false; // nested deps are listed on their own
        if (isSqlite) return r === 'package.json' || r === 'LICENSE' || r === 'lib' || r.startsWith('lib/') || r === 'build' || r === 'build/Release' || r === 'build/Release/better_sqlite3.node';
        return !skip(r);
      },
    });
  }
  if (!fs.existsSync(path.join(lib, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))) throw new Error('the better-sqlite3 native binding is missing from node_modules (run npm ci)');

  // 2. The application, built straight into the staging tree.
  // The manifest schema and the command first: the build runs commands from the tree to make its code caches.
  write(path.join(lib, 'shared/plugin-manifest.schema.json'), fs.readFileSync(path.join(root, 'shared/plugin-manifest.schema.json'), 'utf8'), 0o644);
  write(path.join(lib, 'bin/mailwarden.js'), fs.readFileSync(path.join(root, 'bin/mailwarden.js'), 'utf8'), 0o755);
  execFileSync(process.execPath, [path.join(root, 'build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, MAILWARDEN_DIST: path.join(lib, 'dist') } });
  for (const p of ['dist/app/host/adapters/cli/main.js', 'dist/app/host/adapters/privd/privd-main.js', 'dist/plugins']) {
    if (!fs.existsSync(path.join(lib, p))) throw new Error(`build incomplete: ${p} is missing`);
  }
  // Plugins run from their bundles (dist/plugins); tsc's copy of them is build input only.
  fs.rmSync(path.join(lib, 'dist/app/plugins'), { recursive: true, force: true });
  pruneUnused();
  if (opt.schema) write(path.join(lib, 'dist/app/host/core/state/migrations/schema-cap.json'), JSON.stringify({ sqlite: Number(opt.schema) }) + '\n');

  // 3. The command, the units, the config.
  mkdir(path.join(stage, 'usr/bin'));
  fs.symlinkSync('../lib/mailwarden/bin/mailwarden.js', path.join(stage, 'usr/bin/mailwarden'));
  for (const unit of ['mailwarden.service', 'mailwarden-privd.service']) {
    write(path.join(stage, 'lib/systemd/system', unit), fs.readFileSync(path.join(root, 'docs/packaging', unit), 'utf8'));
  }
  const cli = (...args) => execFileSync(process.execPath, [path.join(lib, 'bin/mailwarden.js'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, MAILWARDEN_SYSTEM_CONFIG: '/nonexistent/mailwarden.json' } });
  const defaults = JSON.parse(execFileSync(process.execPath, ['-e', `
    const { loadHostConfig } = require(${JSON.stringify(path.join(lib, 'dist/app/host/core/config/host-config.js'))});
    const c = loadHostConfig({ env: { MAILWARDEN_SYSTEM_CONFIG: '/nonexistent/mailwarden.json' } });
    process.stdout.write(JSON.stringify(c));
  `], { encoding: 'utf8' }));
  delete defaults.source;
  delete defaults.dataDirOrigin;
  const conf = {
    ...defaults,
    dataDir: '/var/lib/mailwarden',
    pluginDir: '/usr/lib/mailwarden/dist/plugins',
    // Host-level plugin settings (config file only): the table where the helper may write it.
    ...(defaults.plugins !== undefined ? { plugins: { ...defaults.plugins, 'trusted-ips': { ...(defaults.plugins['trusted-ips'] ?? {}), tableFile: TABLE, reloadCommand: RELOAD } } } : {}),
    privileged: { socket: PRIV_SOCKET, tables: [TABLE], commands: [RELOAD] },
  };
  write(path.join(stage, 'etc/mailwarden/mailwarden.json'), JSON.stringify(conf, null, 2) + '\n', 0o640);

  // 4. Man page from the CLI's own help, bash completion from the same.
  const help = cli('--help');
  const commands = [...help.matchAll(/^  ([a-z][a-z-]*)  +(.*)$/gm)].map((m) => ({ name: m[1], summary: m[2] }));
  if (commands.length < 5) throw new Error(`could not read the command list from mailwarden --help:\n${help}`);
  const usage = Object.fromEntries(commands.map((c) => [c.name, cli(c.name, '--help')]));
  const roff = (t) => t.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-');
  const man = [
    `.TH MAILWARDEN 8 "" "mailwarden ${version}" "System Administration"`,
    '.SH NAME',
    'mailwarden \\- keeps a Postfix + Dovecot mail server from being used to send spam',
    '.SH SYNOPSIS',
    '.B mailwarden',
    '.I COMMAND',
    '[options]',
    '.SH DESCRIPTION',
    '.nf',
    roff(help.trimEnd()),
    '.fi',
    '.SH COMMANDS',
    ...commands.flatMap((c) => ['.SS ' + c.name, roff(c.summary), '.PP', '.nf', roff(usage[c.name].trimEnd()), '.fi']),
    '.SH FILES',
    '.TP', '/etc/mailwarden/mailwarden.json', 'The configuration every command and the service read by default (root:mailwarden, 0640).',
    '.TP', '/var/lib/mailwarden', 'State: the SQLite store, the admin token, the Dovecot policy secret (mailwarden, 0750).',
    '.TP', PRIV_SOCKET, 'Socket of mailwarden\\-privd, the privileged helper (group mailwarden).',
    '.SH SEE ALSO',
    'postfix(1), doveadm(1), /usr/share/doc/mailwarden/README.md',
    '',
  ].join('\n');
  write(path.join(stage, 'usr/share/man/man8/mailwarden.8.gz'), zlib.gzipSync(man, { level: 9 }));
  const subs = Object.fromEntries(commands.map((c) => [c.name, [...new Set([...usage[c.name].matchAll(new RegExp(`^\\s*mailwarden ${c.name} ([a-z][a-z-]+)`, 'gm'))].map((m) => m[1]))]]));
  const completion = `# bash completion for mailwarden (generated from its --help)
_mailwarden() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.map((c) => c.name).join(' ')} --help --version" -- "$cur") )
    return
  fi
  case "$cur" in
    -*) COMPREPLY=( $(compgen -W "--config --data-dir --plugin-dir --json --help" -- "$cur") ); return ;;
  esac
  if [ "$COMP_CWORD" -eq 2 ]; then
    case "\${COMP_WORDS[1]}" in
${Object.entries(subs).filter(([, s]) => s.length).map(([n, s]) => `      ${n}) COMPREPLY=( $(compgen -W "${s.join(' ')}" -- "$cur") ) ;;`).join('\n')}
    esac
  fi
}
complete -o default -F _mailwarden mailwarden
`;
  write(path.join(stage, 'usr/share/bash-completion/completions/mailwarden'), completion);
  write(path.join(stage, 'usr/share/doc/mailwarden/copyright'), `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: mailwarden\nLicense: ${pkg.license}\n\nFiles: *\nLicense: ${pkg.license}\n`);
  write(path.join(stage, 'usr/share/doc/mailwarden/README.md'), fs.readFileSync(path.join(root, 'README.md'), 'utf8'));

  // 5. Control data.
  const installedKb = Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage], { encoding: 'utf8' }).split('\t')[0]);
  const control = [
    'Package: mailwarden',
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: mailwarden maintainers <postmaster@localhost>',
    `Installed-Size: ${installedKb}`,
    'Depends: nodejs (>= 20), adduser, util-linux',
    'Recommends: postfix, dovecot-core',
    'Suggests: redis-server',
    'Section: mail',
    'Priority: optional',
    `Description: ${pkg.description.split(':')[0].replace(/\.$/, '')}`,
    ...pkg.description.split(/(?<=[.:]) /).map((l) => ` ${l}`),
    ' The service runs unprivileged as "mailwarden"; mailwarden-privd performs the',
    ' few root actions (postsuper, postfix reload, the trusted-ips table, doveadm',
    ' kick, the password command) after validating each request.',
    '',
  ].join('\n');
  write(path.join(stage, 'DEBIAN/control'), control);
  write(path.join(stage, 'DEBIAN/conffiles'), '/etc/mailwarden/mailwarden.json\n');
  for (const s of ['postinst', 'prerm', 'postrm']) write(path.join(stage, 'DEBIAN', s), fs.readFileSync(path.join(root, 'packaging/debian', s), 'utf8'), 0o755);

  mkdir(outDir);
  const deb = path.join(outDir, `mailwarden_${version}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`${deb} (${(fs.statSync(deb).size / 1024 / 1024).toFixed(1)} MiB, installed ${(installedKb / 1024).toFixed(1)} MiB)`);
  if (opt.previous) {
    const [pv, ps] = opt.previous.split(':');
    if (!/^[0-9][A-Za-z0-9.+~-]*$/.test(pv) || !/^[1-9][0-9]*$/.test(ps ?? '')) throw new Error(`--previous ${opt.previous}: VERSION:SCHEMA expected`);
    const cap = path.join(lib, 'dist/app/host/core/state/migrations/schema-cap.json');
    write(cap, JSON.stringify({ sqlite: Number(ps) }) + '\n');
    write(path.join(lib, 'package.json'), fs.readFileSync(path.join(lib, 'package.json'), 'utf8').replace(`"version": "${version}"`, `"version": "${pv}"`));
    write(path.join(stage, 'DEBIAN/control'), control.replace(`Version: ${version}`, `Version: ${pv}`));
    const prev = path.join(outDir, `mailwarden_${pv}_${arch}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, prev], { stdio: ['ignore', 'ignore', 'inherit'] });
    console.log(`${prev} (schema ${ps})`);
  }
} finally {
  if (!opt.keep) fs.rmSync(stage, { recursive: true, force: true });
  else console.log(`staging tree kept in ${stage}`);
}

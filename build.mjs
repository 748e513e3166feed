#!/usr/bin/env node
// Builds the host (tsc → dist/app) and each plugin into a folder an admin can
// copy into any mailwarden's plugin directory: dist/plugins/<id>/{manifest.json,index.js}.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));
// MAILWARDEN_DIST builds elsewhere (the Debian package builds in a staging
// directory of its own, so a concurrent `node build.mjs` cannot wipe it mid-copy).
const dist = process.env.MAILWARDEN_DIST ? path.resolve(process.env.MAILWARDEN_DIST) : path.join(root, 'dist');
const appOut = path.join(dist, 'app');
const pluginsOut = path.join(dist, 'plugins');

fs.rmSync(dist, { recursive: true, force: true });
// Each plugin's config type and defaults come from its manifest (one definition): written before tsc checks the code against them.
for (const f of (await import('./scripts/config-types.mjs')).writeConfigTypes(root)) console.log(`wrote ${f} from its manifest`);
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', appOut], { stdio: 'inherit' });

// inversify as one file in dist/node_modules, which node finds before the project's: its
// ~270 modules cost a command that loads a plugin more than node's own start; one file a
// fifth of it. The host's only copy: plugins are handed it (host/core/plugins/bundle.ts).
{
  const out = path.join(dist, 'node_modules', 'inversify');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'inversify', 'package.json'), 'utf8'));
  await esbuild.build({
    // From its ES modules (the package's "import" build): esbuild hoists their scopes into one, where
    // the CommonJS build keeps a wrapper and an export table per module, twice the code to load.
    stdin: { contents: "export * from 'inversify';", resolveDir: root, loader: 'js' },
    // Minified: parsing and compiling its 370 kB was most of what loading it cost.
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: path.join(out, 'index.js'), logLevel: 'warning', minify: true,
  });
  fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, license: pkg.license, main: 'index.js' }, null, 2) + '\n');
}

/**
 * The contract and inversify are the host's: a plugin bundle must import them,
 * not carry copies (the loader hands it the host's instances).
 */
const hostModules = {
  name: 'mailwarden-host-modules',
  setup(build) {
    const sharedDir = path.join(appOut, 'shared');
    build.onResolve({ filter: /^\./ }, (args) => {
      // npm packages' own relative imports are theirs to make; only plugin code is fenced in.
      if (!args.importer.startsWith(appOut + path.sep)) return undefined;
      const target = path.resolve(args.resolveDir, args.path);
      if (target === sharedDir || target.startsWith(sharedDir + path.sep)) return { path: '@mailwarden/shared', external: true };
      const rel = path.relative(path.join(appOut, 'plugins'), target);
      const own = path.relative(path.join(appOut, 'plugins'), args.importer).split(path.sep)[0];
      if (rel.startsWith('..') || rel.split(path.sep)[0] !== own) {
        return { errors: [{ text: `${args.importer} imports ${args.path}: a plugin may import only the contract (shared/) and its own folder` }] };
      }
      return undefined;
    });
  },
};

/**
 * A console view's script (shared/console-view.ts): plugins/<id>/console/<name>.ts
 * bundled for the browser as the ES module `<name>.js` the manifest declares,
 * beside the plugin's entry. It may import its own plugin's folder (and the
 * contract's types, which vanish); nothing of the host.
 */
let viewsChecked = false;
async function buildConsoleView(manifest, view, out) {
  const id = manifest.id;
  const name = view.script.replace(/\.m?js$/, '');
  // The server hands the declared file to the browser: it must not be the plugin's own Node code.
  if (view.script === manifest.entry || view.script.endsWith('.lazy.js')) throw new Error(`plugins/${id}/manifest.json: console view "${view.id}" declares ${view.script}, the plugin's server code; name the view's script otherwise`);
  const from = path.join(root, 'plugins', id, 'console', `${name}.ts`);
  if (!fs.existsSync(from)) throw new Error(`plugins/${id}/manifest.json: console view "${view.id}" declares ${view.script}, but there is no plugins/${id}/console/${name}.ts to build it from`);
  // esbuild strips types without checking them: the views' own tsconfig (DOM lib) does that, once for all.
  if (!viewsChecked) execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.console-views.json')], { stdio: 'inherit' });
  viewsChecked = true;
  const own = path.join(root, 'plugins', id);
  await esbuild.build({
    entryPoints: [from],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    outfile: path.join(out, view.script),
    plugins: [{
      name: 'mailwarden-view-fence',
      setup(build) {
        build.onResolve({ filter: /.*/ }, (args) => {
          const target = path.resolve(args.resolveDir, args.path);
          if (args.kind !== 'entry-point' && (!args.path.startsWith('.') || !target.startsWith(own + path.sep))) {
            return { errors: [{ text: `${args.importer} imports ${args.path}: a console view may import only its own plugin's folder (and the contract's types)` }] };
          }
          return undefined;
        });
      },
    }],
    logLevel: 'warning',
    legalComments: 'none',
  });
}

// Every plugins/<id>/ folder is a plugin: its manifest.json sits beside its code.
const manifests = fs.readdirSync(path.join(root, 'plugins'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join('plugins', d.name, 'manifest.json')).sort();
for (const file of manifests) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  if (path.join('plugins', manifest.id, 'manifest.json') !== file) throw new Error(`${file}: id "${manifest.id}" must match the folder name`);
  const entry = path.join(appOut, 'plugins', manifest.id, 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`${file}: no plugins/${manifest.id}/index.ts to build`);
  const out = path.join(pluginsOut, manifest.id);
  // `*.lazy.ts` files of a plugin become bundles of their own next to the entry,
  // for the plugin to require on first use (large data it should not parse at load).
  const lazy = fs.readdirSync(path.dirname(entry)).filter((f) => f.endsWith('.lazy.js'));
  for (const [from, to] of [[entry, manifest.entry], ...lazy.map((f) => [path.join(path.dirname(entry), f), f])]) {
    await esbuild.build({
      entryPoints: [from],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: path.join(out, to),
      external: ['inversify', 'reflect-metadata', '@mailwarden/shared'],
      // Bundled npm packages come from the project even when MAILWARDEN_DIST is elsewhere.
      nodePaths: [path.join(root, 'node_modules')],
      plugins: [hostModules],
      // As the CLI bundle: without comments and blanks a command that loads every plugin reads,
      // compares and decodes half the text (names are kept: stack traces and inversify use them).
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'warning',
      legalComments: 'none',
    });
  }
  for (const view of manifest.contributes?.consoleViews ?? []) await buildConsoleView(manifest, view, out);
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

// Validators generated as standalone code (host/core/validation/precompiled.ts loads one only when it
// was made from the same schema): compiling them at start costs more than node's own start. The host config
// (every command), plugin manifests and the shipped plugins' configSchemas (commands that load plugins).
{
  const { createRequire } = await import('node:module');
  const appRequire = createRequire(path.join(appOut, 'host', 'core', 'validation', 'x.js'));
  const { newAjv } = appRequire('./ajv.js');
  const { configAjv, hostKeysOf, hostSectionSchema } = appRequire('../plugins/host-level.js');
  const standaloneCode = (await import('ajv/dist/standalone/index.js')).default.default;
  const out = path.join(appOut, 'host', 'core', 'validation', 'precompiled');
  fs.mkdirSync(out, { recursive: true });
  const readJson = (file) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  const validators = [['host-config', readJson('host/core/config/host-config.schema.json'), newAjv], ['plugin-manifest', readJson('shared/plugin-manifest.schema.json'), newAjv]];
  for (const file of manifests) {
    const { id, configSchema } = readJson(file);
    validators.push([`plugin-config-${id}`, configSchema, configAjv], [`plugin-host-${id}`, hostSectionSchema(configSchema, hostKeysOf(configSchema)), configAjv]);
  }
  for (const [name, schema, makeAjv] of validators) {
    const ajv = makeAjv({ code: { source: true } });
    const code = standaloneCode(ajv, ajv.compile(schema));
    // One minified file with ajv's few runtime helpers inlined: a command loads several of these,
    // and resolving ajv's package and parsing the generated code cost more than running it.
    await esbuild.build({
      stdin: { contents: `${code}\nmodule.exports.validate = module.exports;\nmodule.exports.schemaJson = ${JSON.stringify(JSON.stringify(schema))};\n`, resolveDir: root, sourcefile: `${name}.js` },
      bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', outfile: path.join(out, `${name}.js`), logLevel: 'warning', legalComments: 'none',
    });
  }
}

// The CLI as one file, dist/app/host/cli.js, with V8 code caches (host/core/code-cache.ts; bin/mailwarden.js
// runs it): each command loads a hundred of the host's modules, and resolving, reading and compiling
// them one by one cost more than node's own start. Everything the CLI loads is in it once, the
// contract (shared/) included, which the plugin loader hands to plugins: one copy, as before.
{
  const cliOut = path.join(appOut, 'host', 'cli.js');
  // A module's __dirname and __filename stay its own file's in dist/app (precompiled validators,
  // schema-cap.json and the log scanner's worker are found next to them), not the bundle's.
  const ownPaths = {
    name: 'mailwarden-own-paths',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(appOut + path.sep)) return undefined;
        const code = fs.readFileSync(args.path, 'utf8');
        if (!/__dirname|__filename/.test(code)) return { contents: code, loader: 'js' };
        const rel = (p) => JSON.stringify(path.relative(path.dirname(cliOut), p).split(path.sep).join('/'));
        // Identifiers only: the plugin loader names them in a string (new Function's parameters).
        const contents = code
          .replace(/(?<![\w$.'"])__dirname(?![\w$'"])/g, `require("path").join(__dirname, ${rel(path.dirname(args.path))})`)
          .replace(/(?<![\w$.'"])__filename(?![\w$'"])/g, `require("path").join(__dirname, ${rel(args.path)})`);
        return { contents, loader: 'js' };
      });
    },
  };
  // npm packages stay outside, but better-sqlite3's dozen small modules (every command opens the
  // store) are bundled; its native addon is found as its own code finds it, from its package folder.
  const npmOutside = {
    name: 'mailwarden-npm-outside',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind !== 'require-resolve' && (args.path === 'better-sqlite3' || args.path.startsWith('better-sqlite3/') || args.path === 'reflect-metadata')) return undefined;
        // The one-file inversify above, run with a code cache of its own: compiling its functions as
        // the App loads was most of what it cost. Plugins are handed this copy, as before.
        if (args.path === 'inversify') return { path: 'inversify', namespace: 'cached-inversify' };
        if (args.path === 'bindings' && args.importer.includes(`${path.sep}better-sqlite3${path.sep}`)) return { path: 'bindings', namespace: 'better-sqlite3-addon' };
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: 'cached-inversify' }, () => ({
        contents: `const path = require('path');\nconst { runCached } = require(${JSON.stringify(path.join(appOut, 'host', 'core', 'code-cache.js'))});\nmodule.exports = runCached(path.join(__dirname, '..', '..', 'node_modules', 'inversify', 'index.js'), require).exports;\n`,
        resolveDir: appOut,
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: 'better-sqlite3-addon' }, () => ({
        // Where npm's build puts it, loaded directly; else as bindings finds it (its search tries a dozen paths).
        contents: "const path = require('path');\nmodule.exports = (name) => {\n  const root = path.dirname(require.resolve('better-sqlite3/package.json'));\n  try {\n    return require(path.join(root, 'build', 'Release', name));\n  } catch (e) {\n    if (e.code !== 'MODULE_NOT_FOUND') throw e;\n    return require('bindings')({ bindings: name, module_root: root });\n  }\n};\n",
        loader: 'js',
      }));
    },
  };
  await esbuild.build({
    entryPoints: [path.join(appOut, 'host', 'adapters', 'cli', 'main.js')],
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: cliOut, nodePaths: [path.join(root, 'node_modules')],
    minifyWhitespace: true, minifySyntax: true, plugins: [npmOutside, ownPaths], logLevel: 'warning', legalComments: 'none',
  });
  // Written as the function node would wrap it in (runCached's `wrapped`): V8 compiles the text as read.
  fs.writeFileSync(cliOut, `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(cliOut, 'utf8')}\n})`);
  // The caches (the bundle's, inversify's, each shipped plugin's) hold what V8 compiled while the
  // common commands ran once on a scratch configuration (the built plugins, a SQLite store): their
  // functions, not only the top level, so that a command compiles little. In a node of its own,
  // started as bin/mailwarden.js starts (V8 refuses a cache made under other flags).
  const train = `
    const fs = require('node:fs'), os = require('node:os'), path = require('node:path'), { Readable, Writable } = require('node:stream');
    const [codeCache, cliFile, pluginDir] = process.argv.slice(1);
    const { runCached } = require(codeCache);
    const run = runCached(cliFile, require('node:module').createRequire(cliFile), false, true);
    const cli = run.exports;
    cli.recordCodeCaches();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailwarden-cli-cache-'));
    const config = path.join(dir, 'mailwarden.json');
    const log = path.join(dir, 'mail.log');
    fs.writeFileSync(config, JSON.stringify({ dataDir: path.join(dir, 'data'), pluginDir, defaultDomain: 'example.com', postfix: { postconfPath: path.join(dir, 'no-postconf') } }));
    fs.writeFileSync(log, 'Nov 29 10:00:00 mx postfix/smtpd[100]: warning: unknown[198.51.100.1]: SASL LOGIN authentication failed: authentication failure, sasl_username=user@example.com\\n');
    let errors = '';
    const sink = (keep) => new Writable({ write(chunk, enc, cb) { if (keep) errors += chunk; cb(); } });
    const io = { stdout: sink(false), stderr: sink(true), stdin: Readable.from([]), env: { ...process.env, MAILWARDEN_CONFIG: config } };
    (async () => {
      // doctor finds problems here (no Postfix): its exit code is not a failure.
      for (const argv of [['domains', 'list'], ['blocks', 'list'], ['plugins', 'list'], ['config', 'get', 'trusted-ips'], ['config', 'set', 'trusted-ips', 'cacheSeconds=2'], ['doctor', '--no-dovecot'], ['trusted-ips', 'list'], ['reputation', 'status'], ['logs', 'scan', log]]) {
        errors = '';
        const code = await cli.main(argv, io);
        if (code !== 0 && argv[0] !== 'doctor') console.warn('warning: code caches: mailwarden ' + argv.join(' ') + ' failed (' + code + '), its code is compiled at start: ' + errors.trim().split('\\n')[0]);
      }
      cli.writeCodeCaches();
      fs.writeFileSync(cliFile + '.cache', run.cache());
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  try {
    execFileSync(process.execPath, ['-e', train, path.join(appOut, 'host', 'core', 'code-cache.js'), cliOut, pluginsOut], { stdio: 'inherit', timeout: 120_000 });
  } catch (e) {
    console.warn(`warning: no code caches for ${path.relative(root, cliOut)} and the plugins (the CLI works, starting slower): ${e.message}`);
  }
}

const consoleBuild = path.join(root, 'host', 'adapters', 'console', 'build-console.mjs');
if (fs.existsSync(consoleBuild)) await (await import(consoleBuild)).buildConsole({ root, dist });

console.log(`built host and ${manifests.length} plugin(s) into ${path.relative(root, dist)}/`);

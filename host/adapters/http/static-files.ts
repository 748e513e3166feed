import fs from 'node:fs';
import type * as http from 'node:http';
import path from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Headers on every answer: the console loads only its own files and cannot be framed. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The built console (dist/console): a fixed set of files read once at start,
 * so a request path never reaches the file system.
 */
export class StaticFiles {
  private readonly files = new Map<string, { body: Buffer; type: string }>();

  constructor(readonly dir: string) {
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir)) {
      const type = TYPES[path.extname(name)];
      const file = path.join(dir, name);
      if (type && fs.statSync(file).isFile()) this.files.set(`/${name}`, { body: fs.readFileSync(file), type });
    }
  }

  get available(): boolean {
    return this.files.has('/index.html');
  }

  /** Serves `/` (and any console route without a dot) as index.html; returns false if not ours. */
  serve(pathname: string, res: http.ServerResponse): boolean {
    const f = this.files.get(pathname === '/' ? '/index.html' : pathname);
    if (!f) return false;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': f.type, 'content-length': f.body.length, 'cache-control': 'no-cache' });
    res.end(f.body);
    return true;
  }
}

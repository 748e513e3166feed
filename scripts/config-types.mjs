// Writes plugins/<id>/config.generated.ts from the manifest's configSchema: the
// config type and the defaults, so a plugin has one definition of each (the
// manifest) and its code is type-checked against it. build.mjs runs this before
// compiling; the generated files are committed, so a schema change shows up as
// a diff of them.
import * as fs from 'node:fs';
import * as path from 'node:path';

const HEADER = (id) =>
  `// Generated from plugins/${id}/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.\n` +
  '// `node build.mjs` writes it again; change the manifest instead.\n';

const ident = (key) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key));

/** The TypeScript type of a schema (the subset manifests use), read-only throughout. */
function typeOf(schema, indent, where) {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  for (const k of ['oneOf', 'anyOf']) if (Array.isArray(schema[k])) return schema[k].map((s, i) => typeOf(s, indent, `${where}/${k}/${i}`)).join(' | ');
  switch (schema.type) {
    case 'string': return 'string';
    case 'integer':
    case 'number': return 'number';
    case 'boolean': return 'boolean';
    case 'array': {
      const item = schema.items ? typeOf(schema.items, indent, `${where}/items`) : 'unknown';
      return `readonly ${item.includes(' | ') ? `(${item})` : item}[]`;
    }
    case 'object': {
      if (!schema.properties) {
        const v = schema.additionalProperties && typeof schema.additionalProperties === 'object' ? typeOf(schema.additionalProperties, indent, `${where}/additionalProperties`) : 'unknown';
        return `Readonly<Record<string, ${v}>>`;
      }
      const required = new Set(schema.required ?? []);
      const inner = indent + '  ';
      const lines = Object.entries(schema.properties).map(([key, s]) => {
        const optional = !required.has(key) && !('default' in s);
        return `${inner}readonly ${ident(key)}${optional ? '?' : ''}: ${typeOf(s, inner, `${where}/properties/${key}`)};`;
      });
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
    default:
      throw new Error(`${where}: no TypeScript type for this schema (type ${JSON.stringify(schema.type)})`);
  }
}

/** A default as ajv's useDefaults completes it: an object default gets its properties' own defaults. */
function filled(schema, value) {
  if (schema?.type !== 'object' || !schema.properties || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = { ...value };
  for (const [key, s] of Object.entries(schema.properties)) {
    if (key in out) out[key] = filled(s, out[key]);
    else if ('default' in s) out[key] = filled(s, structuredClone(s.default));
  }
  return out;
}

/** The file's text for one manifest. */
export function configTypesText(manifest) {
  const schema = manifest.configSchema;
  const where = `plugins/${manifest.id}/manifest.json /configSchema`;
  if (schema.type !== 'object' || !schema.properties) throw new Error(`${where}: must be an object schema with properties`);
  const defaults = {};
  // A setting without a default stays optional (e.g. one a profile decides when left out).
  for (const [key, s] of Object.entries(schema.properties)) if ('default' in s) defaults[key] = filled(s, s.default);
  return (
    HEADER(manifest.id) +
    '\n/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */\n' +
    `export interface Config ${typeOf(schema, '', where)}\n` +
    '\n/** The manifest defaults. */\n' +
    `export const CONFIG_DEFAULTS: Config = ${JSON.stringify(defaults, null, 2)};\n`
  );
}

/** Writes every plugin's file when its text changed; returns the files written. */
export function writeConfigTypes(root) {
  const written = [];
  const dir = path.join(root, 'plugins');
  for (const id of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, id, 'manifest.json');
    if (!fs.existsSync(file)) continue;
    const text = configTypesText(JSON.parse(fs.readFileSync(file, 'utf8')));
    const out = path.join(dir, id, 'config.generated.ts');
    if (!fs.existsSync(out) || fs.readFileSync(out, 'utf8') !== text) {
      fs.writeFileSync(out, text);
      written.push(path.relative(root, out));
    }
  }
  return written;
}

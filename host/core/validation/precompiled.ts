import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { newAjv } from './ajv';

/**
 * The key a precompiled validator is stored under: a change to the schema makes
 * the old one unusable. Two 32-bit FNV-1a over the schema's JSON, not a
 * cryptographic hash: it tells a stale build from a current one (nobody forges
 * it), and node:crypto alone costs the quick commands a tenth of node's start.
 */
export function schemaHash(schema: object): string {
  const text = JSON.stringify(schema);
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0') + text.length.toString(16);
}

interface Precompiled {
  readonly schemaHash: string;
  readonly validate: ValidateFunction;
}

/**
 * A validator for `schema`: the standalone one build.mjs generated into
 * dist (`precompiled/<name>.js`, ajv's standaloneCode with AJV_OPTIONS) when
 * it is there and was made from this very schema, else compiled now by
 * `compile` (default: an ajv with AJV_OPTIONS). Loading
 * the generated code takes a few milliseconds; compiling takes longer than
 * node takes to start, and every command reads the config.
 */
export function compiledSchema<T = unknown>(name: string, schema: object, compile: (schema: object) => ValidateFunction = (s) => newAjv().compile(s)): ValidateFunction<T> {
  try {
    const p = require(path.join(__dirname, 'precompiled', `${name}.js`)) as Precompiled;
    if (p.schemaHash === schemaHash(schema)) return p.validate as ValidateFunction<T>;
  } catch {
    // Not built (tests run the TypeScript sources), or no such validator: compile below.
  }
  return compile(schema) as ValidateFunction<T>;
}

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { newAjv } from './ajv';

/** The key a precompiled validator is stored under: a change to the schema makes the old one unusable. */
export function schemaHash(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 32);
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

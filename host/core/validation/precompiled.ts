import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { runCached } from '../code-cache';
import { newAjv } from './ajv';

interface Precompiled {
  /**
   * JSON.stringify of the schema it was generated from: a changed schema makes it unusable.
   * Compared whole, not hashed: comparing strings is native, hashing one in JS cost a command
   * more than the comparison saves, and the match is exact.
   */
  readonly schemaJson: string;
  readonly validate: ValidateFunction;
}

/**
 * A validator for `schema`: the standalone one build.mjs generated into
 * dist (`precompiled/<name>.js`, ajv's standaloneCode with AJV_OPTIONS) when
 * it is there and was made from this very schema (schemaJson), else compiled now by
 * `compile` (default: an ajv with AJV_OPTIONS). Loading
 * the generated code takes a few milliseconds; compiling takes longer than
 * node takes to start, and every command reads the config.
 */
export function compiledSchema<T = unknown>(name: string, schema: object, compile: (schema: object) => ValidateFunction = (s) => newAjv().compile(s)): ValidateFunction<T> {
  try {
    const p = precompiled(name);
    if (p.schemaJson === JSON.stringify(schema)) return p.validate as ValidateFunction<T>;
  } catch {
    // Not built (tests run the TypeScript sources), or no such validator: compile below.
  }
  return compile(schema) as ValidateFunction<T>;
}

const loaded = new Map<string, Precompiled>();

/** Once per process, as require would; with its code cache (compiling a large validator on its first call cost more than loading it). */
function precompiled(name: string): Precompiled {
  let p = loaded.get(name);
  if (!p) {
    p = runCached(path.join(__dirname, 'precompiled', `${name}.js`), require).exports as Precompiled;
    loaded.set(name, p);
  }
  return p;
}

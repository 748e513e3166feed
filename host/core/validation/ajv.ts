import type Ajv from 'ajv';
import type { ErrorObject, Options } from 'ajv';

/** A validation problem, located precisely enough for an admin to fix it. */
export interface Problem {
  /** JSON pointer into the document, `/` for the whole document. */
  readonly path: string;
  readonly message: string;
  /** The JSON Schema keyword that failed, e.g. `minimum`. */
  readonly rule: string;
}

/** The options every validator of the host is compiled with (build.mjs precompiles with the same). */
export const AJV_OPTIONS: Options = { allErrors: true, strict: true, useDefaults: true };

/**
 * ajv is loaded on first use, not with this module: ValidationError and
 * toProblems are needed by commands that compile nothing, and ajv with its
 * formats costs more to load than node takes to start.
 */
export function newAjv(options: Options = {}): Ajv {
  const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
  const addFormats = (require('ajv-formats') as { default: (a: Ajv) => Ajv }).default;
  const ajv = new AjvClass({ ...AJV_OPTIONS, ...options });
  addFormats(ajv);
  return ajv;
}

export function toProblems(errors: ErrorObject[] | null | undefined): Problem[] {
  return (errors ?? []).map((e) => {
    let path = e.instancePath || '/';
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = `${e.instancePath}/${extra}`;
      message = 'is not a known property';
    } else if (e.keyword === 'required') {
      path = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    return { path, message, rule: e.keyword };
  });
}

export function formatProblems(where: string, problems: readonly Problem[]): string {
  return problems.map((p) => `${where}: ${p.path} ${p.message} (${p.rule})`).join('; ');
}

/** Thrown when a document fails its schema; carries every problem found. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly where: string, readonly problems: readonly Problem[]) {
    super(formatProblems(where, problems));
  }
}

/**
 * JSON.parse with an error that says where: Node's own message gives the
 * position; we turn it into line and column.
 */
export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 quotes a piece of the text in some messages ("Unexpected token 's', ..."{"token": supersecre"..."):
    // dropped, since the text may be a config file holding a token or a secret header.
    const msg = (e as Error).message.replace(/,\s*(\.\.\.)?".*"(\.\.\.)?\s+is not valid JSON$/s, '');
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const pos = Number(m[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      const col = pos - before.lastIndexOf('\n');
      throw new ValidationError(where, [{ path: '/', message: `is not valid JSON at line ${line} column ${col}: ${msg}`, rule: 'json' }]);
    }
    throw new ValidationError(where, [{ path: '/', message: `is not valid JSON: ${msg}`, rule: 'json' }]);
  }
}

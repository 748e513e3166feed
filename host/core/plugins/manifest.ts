import fs from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { API_VERSION, type HookName } from '../../../shared';
import { manifestSchemaFile } from '../paths';
import { parseJsonText, type Problem, toProblems, ValidationError } from '../validation/ajv';
import { compiledSchema } from '../validation/precompiled';
import { configValidator, hostConfigValidator, hostKeysOf, misplacedHostLevel } from './host-level';

/** Text for people, plain or per console language. */
export type LocalizedText = string | { en: string; fr?: string; de?: string };

/** What a manifest declares besides hooks (see shared/plugin-manifest.schema.json). */
export interface Contributions {
  commands: Array<{ name: string; summary: string; usage?: string }>;
  adminRoutes: Array<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; path: string; summary?: string }>;
  consoleViews: Array<{ id: string; title: LocalizedText; script: string }>;
  doctorChecks: Array<{ id: string; summary: string }>;
  /** `statuses`: the deliveries a section reads (absent: all); `readsSender` false: not the sender (absent: it does). */
  logReportSections: Array<{ id: string; title: string; statuses?: Array<'sent' | 'deferred' | 'bounced'>; readsSender?: boolean }>;
  notificationKinds: Array<{ id: string; severity: 'info' | 'warning' | 'critical'; summary: string }>;
}

export interface PluginManifest {
  id: string;
  name: string;
  version: string;
  apiVersion: number;
  description: string;
  entry: string;
  hooks: HookName[];
  services: boolean;
  contributes: Contributions;
  priority: number;
  enabledByDefault: boolean;
  failurePolicy: 'open' | 'closed';
  bootPolicy: 'skip' | 'abort';
  timeoutMs?: number;
  dependsOn: string[];
  configSchema: Record<string, unknown>;
}

let manifestValidator: ValidateFunction | undefined;
function validatorFor(): ValidateFunction {
  if (!manifestValidator) {
    // Precompiled by build.mjs when built from this very schema (every plugin-loading command checks manifests).
    const schema = JSON.parse(fs.readFileSync(manifestSchemaFile(), 'utf8'));
    manifestValidator = compiledSchema('plugin-manifest', schema);
  }
  return manifestValidator;
}

/** Per-plugin validator of domain configs, compiled once at load. */
export type ConfigValidator = ValidateFunction;

export interface CheckedManifest {
  manifest: PluginManifest;
  validateConfig: ConfigValidator;
  /** Top-level settings marked `"hostLevel": true`: only the config file sets them. */
  hostKeys: readonly string[];
  /** Validates the config file's `plugins.<id>` section (host-level properties only, defaults filled in). */
  validateHostConfig: ConfigValidator;
}

/**
 * Reads and checks a manifest: JSON syntax, the manifest schema, the contract
 * version, and that its configSchema compiles and its defaults satisfy it.
 * Throws a ValidationError naming the file, the JSON path and the rule.
 */
export function readManifest(file: string): CheckedManifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ValidationError(file, [{ path: '/', message: `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, rule: 'file' }]);
  }
  return checkManifest(parseJsonText(text, file), file);
}

export function checkManifest(doc: unknown, where: string): CheckedManifest {
  const validate = validatorFor();
  const copy = structuredClone(doc);
  if (!validate(copy)) throw new ValidationError(where, toProblems(validate.errors));
  const manifest = copy as PluginManifest;
  if (manifest.apiVersion !== API_VERSION) {
    throw new ValidationError(where, [
      { path: '/apiVersion', message: `is ${manifest.apiVersion} but this mailwarden provides plugin API ${API_VERSION}`, rule: 'apiVersion' },
    ]);
  }
  if (manifest.dependsOn.includes(manifest.id)) {
    throw new ValidationError(where, [{ path: '/dependsOn', message: 'must not name the plugin itself', rule: 'dependsOn' }]);
  }
  const misplaced = misplacedHostLevel(manifest.configSchema);
  if (misplaced.length) throw new ValidationError(where, misplaced);
  let validateConfig: ConfigValidator;
  try {
    validateConfig = configValidator(manifest.id, manifest.configSchema);
  } catch (e) {
    throw new ValidationError(where, [{ path: '/configSchema', message: `is not a valid JSON Schema: ${(e as Error).message}`, rule: 'configSchema' }]);
  }
  const defaults: Record<string, unknown> = {};
  if (!validateConfig(defaults)) {
    const problems: Problem[] = toProblems(validateConfig.errors).map((p) => ({
      ...p,
      path: `/configSchema (defaults) ${p.path}`,
    }));
    throw new ValidationError(where, problems);
  }
  const hostKeys = hostKeysOf(manifest.configSchema);
  return { manifest, validateConfig, hostKeys, validateHostConfig: hostConfigValidator(manifest.id, manifest.configSchema, hostKeys) };
}

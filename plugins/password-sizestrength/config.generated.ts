// Generated from plugins/password-sizestrength/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.
// `node build.mjs` writes it again; change the manifest instead.

/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */
export interface Config {
  readonly profile: "nist-single-factor" | "nist-multi-factor" | "bluemind";
  readonly minLength?: number;
  readonly maxLength: number;
  readonly minDigits?: number;
  readonly minUpper?: number;
  readonly minLower?: number;
  readonly minSpecial?: number;
  readonly forbidLoginParts: boolean;
  readonly forbidCommon: boolean;
  readonly minStrength?: number;
  readonly historySize: number;
}

/** The manifest defaults. */
export const CONFIG_DEFAULTS: Config = {
  "profile": "nist-single-factor",
  "maxLength": 128,
  "forbidLoginParts": true,
  "forbidCommon": true,
  "historySize": 5
};

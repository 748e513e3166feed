// Generated from plugins/trusted-ips/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.
// `node build.mjs` writes it again; change the manifest instead.

/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */
export interface Config {
  readonly relayContext: string;
  readonly limitContext: string;
  readonly tableFile: string;
  readonly applyOnChange: boolean;
  readonly reloadCommand: readonly string[];
  readonly cacheSeconds: number;
  readonly minPrefixV4: number;
  readonly minPrefixV6: number;
}

/** The manifest defaults. */
export const CONFIG_DEFAULTS: Config = {
  "relayContext": "relay",
  "limitContext": "limits",
  "tableFile": "/etc/postfix/mailwarden-trusted.cidr",
  "applyOnChange": true,
  "reloadCommand": [
    "postfix",
    "reload"
  ],
  "cacheSeconds": 2,
  "minPrefixV4": 16,
  "minPrefixV6": 48
};

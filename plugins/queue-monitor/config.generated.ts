// Generated from plugins/queue-monitor/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.
// `node build.mjs` writes it again; change the manifest instead.

/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */
export interface Config {
  readonly intervalSeconds: number;
  readonly threshold: number;
  readonly queueThresholds: {
    readonly incoming?: number;
    readonly active?: number;
    readonly deferred?: number;
    readonly hold?: number;
    readonly maildrop?: number;
  };
  readonly growth: {
    readonly messages: number;
    readonly minutes: number;
  };
  readonly recipients: readonly string[];
  readonly cooldownMinutes: number;
  readonly recoveryPercent: number;
  readonly top: number;
}

/** The manifest defaults. */
export const CONFIG_DEFAULTS: Config = {
  "intervalSeconds": 60,
  "threshold": 200,
  "queueThresholds": {},
  "growth": {
    "messages": 100,
    "minutes": 5
  },
  "recipients": [],
  "cooldownMinutes": 30,
  "recoveryPercent": 80,
  "top": 10
};

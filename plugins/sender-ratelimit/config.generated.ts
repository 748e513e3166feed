// Generated from plugins/sender-ratelimit/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.
// `node build.mjs` writes it again; change the manifest instead.

/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */
export interface Config {
  readonly recipientsPerHour: number;
  readonly recipientsPerDay: number;
  readonly messagesPerHour: number;
  readonly networksPerHour: number;
  readonly action: "DEFER_IF_PERMIT" | "HOLD" | "REJECT";
  readonly compromiseFactor: number;
  readonly remediate: boolean;
  readonly lockMinutes: number;
  readonly networkPrefixV4: number;
  readonly networkPrefixV6: number;
  readonly trustedClients: readonly string[];
  readonly users: readonly ({
    readonly login: string;
    readonly recipientsPerHour?: number;
    readonly recipientsPerDay?: number;
    readonly messagesPerHour?: number;
    readonly networksPerHour?: number;
    readonly action?: "DEFER_IF_PERMIT" | "HOLD" | "REJECT";
  })[];
}

/** The manifest defaults. */
export const CONFIG_DEFAULTS: Config = {
  "recipientsPerHour": 200,
  "recipientsPerDay": 1000,
  "messagesPerHour": 100,
  "networksPerHour": 5,
  "action": "DEFER_IF_PERMIT",
  "compromiseFactor": 3,
  "remediate": true,
  "lockMinutes": 0,
  "networkPrefixV4": 24,
  "networkPrefixV6": 64,
  "trustedClients": [
    "127.0.0.0/8",
    "::1/128"
  ],
  "users": []
};

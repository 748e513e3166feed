// Generated from plugins/reputation-watch/manifest.json (configSchema) by scripts/config-types.mjs: do not edit.
// `node build.mjs` writes it again; change the manifest instead.

/** The per-domain config as the host hands it to hooks: validated, defaults filled in. */
export interface Config {
  readonly resolvers: readonly string[];
  readonly lists: readonly {
    readonly zone: string;
    readonly minIntervalSeconds?: number;
    readonly delistUrl?: string;
  }[];
  readonly checkIntervalSeconds: number;
  readonly outboundIps: readonly string[];
  readonly postconfCommand: readonly string[];
  readonly dnsTimeoutMs: number;
  readonly intervalSeconds: number;
  readonly recipients: readonly string[];
  readonly cooldownMinutes: number;
  readonly rejectionRate: {
    readonly count: number;
    readonly minutes: number;
  };
  readonly quietMinutes: number;
  readonly senderRates: {
    readonly windowMinutes: number;
    readonly minAttempts: number;
    readonly maxBouncePercent: number;
    readonly maxDeferPercent: number;
    readonly baselineFactor: number;
  };
}

/** The manifest defaults. */
export const CONFIG_DEFAULTS: Config = {
  "resolvers": [],
  "lists": [
    {
      "zone": "zen.spamhaus.org"
    },
    {
      "zone": "bl.spamcop.net"
    },
    {
      "zone": "b.barracudacentral.org"
    },
    {
      "zone": "psbl.surriel.com"
    },
    {
      "zone": "bl.mailspike.net"
    }
  ],
  "checkIntervalSeconds": 3600,
  "outboundIps": [],
  "postconfCommand": [
    "postconf",
    "-h",
    "smtp_bind_address",
    "smtp_bind_address6"
  ],
  "dnsTimeoutMs": 3000,
  "intervalSeconds": 60,
  "recipients": [],
  "cooldownMinutes": 60,
  "rejectionRate": {
    "count": 5,
    "minutes": 10
  },
  "quietMinutes": 120,
  "senderRates": {
    "windowMinutes": 60,
    "minAttempts": 20,
    "maxBouncePercent": 20,
    "maxDeferPercent": 50,
    "baselineFactor": 3
  }
};

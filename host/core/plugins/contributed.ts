import type { Cidr, DoctorContext, DoctorFinding, TrustedNetworksSource } from '../../../shared';
import { withTimeout } from '../time';
import type { LoadedPlugin } from './loaded-plugin';

/*
 * The host's side of the contribution points besides hooks: each plugin's
 * contribution runs in its own try/catch (and time limit), so one that throws
 * or hangs is reported by name and the others still run.
 */

/** A check may ask Postfix and read files; past this it is reported as failed rather than holding doctor up. */
export const CONTRIBUTION_TIMEOUT_MS = 30_000;

/** A contributed finding, with the plugin that made it. */
export interface PluginFinding extends DoctorFinding {
  readonly plugin: string;
}

/** Every loaded plugin's doctor checks, in plugin order; a check that throws is one `problem` naming the plugin. */
export async function runDoctorChecks(plugins: readonly LoadedPlugin[], contextFor: (p: LoadedPlugin) => DoctorContext, timeoutMs = CONTRIBUTION_TIMEOUT_MS): Promise<PluginFinding[]> {
  const runs = plugins.flatMap((p) =>
    (p.doctorChecks ?? []).map(async (c): Promise<PluginFinding[]> => {
      const plugin = p.manifest.id;
      try {
        const found = await withTimeout(Promise.resolve().then(() => c.run(contextFor(p))), timeoutMs, `doctor check "${c.id}" of plugin ${plugin}`);
        return found.map((f) => ({ ...f, plugin }));
      } catch (e) {
        return [{ plugin, check: c.id, level: 'problem', message: `the check "${c.id}" of plugin ${plugin} failed: ${(e as Error)?.message ?? String(e)}` }];
      }
    }),
  );
  return (await Promise.all(runs)).flat();
}

/** What could not be had from a plugin, for the command to say on stderr. */
export interface ContributionError {
  readonly plugin: string;
  readonly message: string;
}

/** The main.cf lines the plugins add to the host's wiring, in plugin order. */
export async function contributedMainCf(plugins: readonly LoadedPlugin[], timeoutMs = CONTRIBUTION_TIMEOUT_MS): Promise<{ lines: string[]; errors: ContributionError[] }> {
  const lines: string[] = [];
  const errors: ContributionError[] = [];
  for (const p of plugins) {
    for (const w of p.postfixWiring ?? []) {
      try {
        lines.push(...(await withTimeout(Promise.resolve().then(() => w.mainCf()), timeoutMs, `main.cf lines of plugin ${p.manifest.id}`)));
      } catch (e) {
        errors.push({ plugin: p.manifest.id, message: `plugin ${p.manifest.id} could not give its main.cf lines: ${(e as Error)?.message ?? String(e)}` });
      }
    }
  }
  return { lines, errors };
}

/** The networks the plugins trust to relay, where each keeps them, and how a removed one went. */
export interface TrustedNetworks {
  readonly networks: readonly Cidr[];
  readonly sources: readonly TrustedNetworksSource[];
  readonly errors: readonly ContributionError[];
  removalOf(ip: string): Promise<string | undefined>;
}

export async function trustedNetworks(plugins: readonly LoadedPlugin[], timeoutMs = CONTRIBUTION_TIMEOUT_MS): Promise<TrustedNetworks> {
  const networks: Cidr[] = [];
  const sources: TrustedNetworksSource[] = [];
  const errors: ContributionError[] = [];
  const contributions = plugins.flatMap((p) => (p.trustedNetworks ?? []).map((t) => ({ plugin: p.manifest.id, t })));
  for (const { plugin, t } of contributions) {
    try {
      networks.push(...(await withTimeout(Promise.resolve().then(() => t.networks()), timeoutMs, `trusted networks of plugin ${plugin}`)));
      if (t.source) sources.push(await withTimeout(t.source(), timeoutMs, `trusted networks of plugin ${plugin}`));
    } catch (e) {
      errors.push({ plugin, message: `plugin ${plugin} could not give its trusted networks: ${(e as Error)?.message ?? String(e)}` });
    }
  }
  return {
    networks,
    sources,
    errors,
    async removalOf(ip) {
      for (const { t } of contributions) {
        try {
          const how = await t.removalOf?.(ip);
          if (how) return how;
        } catch {
          // One plugin's audit trail failing must not hide another's answer; the audit still flags the client.
        }
      }
      return undefined;
    },
  };
}

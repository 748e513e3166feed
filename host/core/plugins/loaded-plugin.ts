import type { Container, ContainerModule } from 'inversify';
import type {
  AdminRoute,
  CommandContribution,
  DoctorCheckContribution,
  LogReportContribution,
  PluginHooks,
  PostfixWiringContribution,
  ServiceContribution,
  TrustedNetworksContribution,
} from '../../../shared';
import type { ConfigValidator, PluginManifest } from './manifest';

export interface LoadedPlugin {
  readonly manifest: PluginManifest;
  readonly dir: string;
  readonly validateConfig: ConfigValidator;
  /** Settings only the config file sets (`"hostLevel": true` in its configSchema); refused per domain. */
  readonly hostKeys: readonly string[];
  /** Their values from the config file's `plugins.<id>` section, defaults filled in; merged over every domain's config. */
  readonly hostConfig: Readonly<Record<string, unknown>>;
  readonly container: Container;
  readonly module: ContainerModule;
  readonly hooks: PluginHooks | undefined;
  readonly services: readonly ServiceContribution[];
  readonly commands: readonly CommandContribution[];
  /** Admin API routes it contributes (mounted under /api/plugins/<id>). */
  readonly adminRoutes?: readonly AdminRoute[];
  /** Checks `mailwarden doctor` runs (each declared in `contributes.doctorChecks`). */
  readonly doctorChecks?: readonly DoctorCheckContribution[];
  /** Sections of the log report (each declared in `contributes.logReportSections`). */
  readonly logReportSections?: readonly LogReportContribution[];
  /** main.cf lines `mailwarden wiring postfix` prints besides the host's. */
  readonly postfixWiring?: readonly PostfixWiringContribution[];
  /** Networks that relay without authenticating, as the plugin manages them (`relay audit`). */
  readonly trustedNetworks?: readonly TrustedNetworksContribution[];
}

export type FailureStage = 'manifest' | 'import' | 'load' | 'dependency' | 'start';

export interface PluginFailure {
  /** The manifest id when it could be read, else the folder name. */
  readonly id: string;
  readonly dir: string;
  readonly stage: FailureStage;
  readonly reason: string;
  /** From the manifest when it could be read: `abort` makes this failure stop the host. */
  readonly bootPolicy?: 'skip' | 'abort';
}

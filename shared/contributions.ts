import type { Cidr } from './net';
import type { MailEvent } from './mail';
import type { ServiceContext } from './hooks';

/*
 * Contribution points besides hooks, commands, admin routes and services.
 * Each is declared in the manifest's `contributes` section (the host lists and
 * documents it from there) and bound by the plugin's ContainerModule with
 * `bind(X).to(MyX)`; the loader refuses a binding its manifest does not
 * declare, and a declaration nothing binds. The host calls each contribution
 * inside its own try/catch: one that throws is reported, the others still run.
 */

/** One line of `mailwarden doctor`. */
export interface DoctorFinding {
  /** The check's id as declared in the manifest (`contributes.doctorChecks[].id`). */
  readonly check: string;
  readonly level: 'ok' | 'warning' | 'problem' | 'skipped';
  /** One sentence for the admin: what is wrong and what to do. */
  readonly message: string;
  /** Lines to paste into main.cf / dovecot.conf to fix it. */
  readonly paste?: readonly string[];
}

/** What the host lends a doctor check. */
export interface DoctorContext {
  /**
   * Effective main.cf values (`postconf -x`) of the Postfix instance mailwarden
   * is wired to; a parameter Postfix does not know is absent. Rejects when
   * Postfix cannot be asked (the check should then report `skipped`).
   */
  postconf(names: readonly string[]): Promise<Readonly<Record<string, string>>>;
  /**
   * The parameters set in main.cf itself (`postconf -n`), to tell a value an
   * admin chose from Postfix's default. Optional: a check must cope without it.
   */
  postconfExplicit?(): Promise<Readonly<Record<string, string>>>;
  /** Reads a file doctor should look at (e.g. a cidr: table); undefined when unreadable. */
  readFile(path: string): string | undefined;
  /** The plugin's effective config per domain (as ServiceContext.configs). */
  readonly configs: ServiceContext['configs'];
}

export const DoctorCheckContribution = Symbol('mailwarden.DoctorCheckContribution');
export interface DoctorCheckContribution {
  /** Must match a `contributes.doctorChecks[].id` of the manifest. */
  readonly id: string;
  run(ctx: DoctorContext): Promise<readonly DoctorFinding[]>;
}

/** A table the log report prints (and gives as JSON under `sections.<id>`). */
export interface LogReportTable {
  readonly columns: readonly string[];
  /** At most 1,000 rows are printed; JSON carries them all. */
  readonly rows: ReadonlyArray<readonly (string | number)[]>;
  /** One line under the title, e.g. a total. */
  readonly summary?: string;
}

/** One scan's worth of a section: fed every mail event the scan recognises, then asked for its table. */
export interface LogReportSection {
  add(event: MailEvent): void;
  result(): LogReportTable;
}

export const LogReportContribution = Symbol('mailwarden.LogReportContribution');
export interface LogReportContribution {
  /** Must match a `contributes.logReportSections[].id` of the manifest. */
  readonly id: string;
  /** A fresh section per scan (a scan may run while another does). */
  createSection(): LogReportSection;
}

export const PostfixWiringContribution = Symbol('mailwarden.PostfixWiringContribution');
/**
 * main.cf lines a plugin needs, printed by `mailwarden wiring postfix` with
 * the host's own (e.g. trusted-ips: `mynetworks = cidr:/etc/postfix/…`).
 */
export interface PostfixWiringContribution {
  /** `parameter = value` lines, each preceded by its `#` comments. */
  mainCf(): Promise<readonly string[]>;
}

/** Where a plugin keeps the networks it trusts, as `relay audit` names it. */
export interface TrustedNetworksSource {
  /** E.g. the cidr: table file mynetworks points to. */
  readonly name: string;
  /** False when it does not exist yet (only loopback is trusted then). */
  readonly found: boolean;
}

export const TrustedNetworksContribution = Symbol('mailwarden.TrustedNetworksContribution');
/**
 * Networks that relay without authenticating, as a plugin manages them:
 * `relay audit` names the clients outside them, and why one was removed.
 */
export interface TrustedNetworksContribution {
  /** The networks Postfix trusts today (what the plugin last wrote for mynetworks). */
  networks(): Promise<readonly Cidr[]>;
  /** How a removed entry covering `ip` went (who, when, why), from the plugin's audit trail. */
  removalOf?(ip: string): Promise<string | undefined>;
  /** Where they are kept, for the audit's header and its JSON `table` (optional). */
  source?(): Promise<TrustedNetworksSource>;
}

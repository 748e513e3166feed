import type { App } from './app';

/*
 * What each adapter may use of the host, named: an adapter gets the narrowest
 * port that serves it rather than the whole App, so its dependencies read
 * from its constructor and a test builds just those.
 */

/** A policy front door (Dovecot, Postfix): the hook pipeline and its instruments. */
export type PolicyPort = Pick<App, 'pipeline' | 'metrics' | 'logger' | 'clock' | 'config'>;

/** The mail-log follower: feeds failures and mail events to the pipeline. */
export type LogFollowerPort = Pick<App, 'pipeline' | 'metrics' | 'logger' | 'clock' | 'settings'>;

/** Password changes: policy hooks, the domains' settings, the audit trail. */
export type PasswordPort = Pick<App, 'pipeline' | 'settings' | 'registry' | 'store' | 'clock' | 'logger' | 'config'>;

/** The admin API and console: settings, plugins, the store, remediation, the queue and password changes; not reloads, not the container. */
export type AdminPort = Pick<App, 'pipeline' | 'settings' | 'registry' | 'store' | 'clock' | 'logger' | 'accounts' | 'metrics' | 'queueTools' | 'queue' | 'notifier' | 'config' | 'serviceContext'>;

/** What naming a plugin or a scope in a request needs. */
export type PluginLookupPort = Pick<App, 'config' | 'registry' | 'settings'>;

/*
 * The plugin contract: the only project code a plugin may import. Bundled
 * plugins import it as `@mailwarden/shared`; the host hands every plugin this
 * one instance.
 */
export * from './api-version';
export * from './auth';
export * from './verdict';
export * from './password';
export * from './relay';
export * from './mail';
export * from './services';
export * from './state';
export * from './hooks';
export * from './hook-chain';
export * from './schedule';
export * from './net';
export * from './duration';
export * from './admin-api';
export * from './queue';
export * from './system-actions';
export * from './text';
export * from './address';
export * from './postfix-list';
export * from './host-settings';
export * from './contributions';

/*
 * Names of what the plugin keeps in its (already namespaced) store. Short on
 * purpose: under attack there is one counter per (login, network), and the
 * key string is most of its memory. A login always carries its domain.
 */

/** Distinct wrong passwords of one login from one network. */
export const pairFailures = (net: string, login: string) => `f|${net}|${login}`;
/** Distinct networks that failed for one login. */
export const loginNetworks = (login: string) => `n|${login}`;
/** Distinct wrong passwords of one device of a login on one of its known networks. */
export const deviceFailures = (net: string, login: string, device: string) => `d|${net}|${login}|${device}`;
/** A device (hashed device_id) that succeeded for the login recently (key/value with expiry). */
export const knownDevice = (login: string, device: string) => `kd|${login}|${device}`;
/** Dovecot's pwhash of the login's last successful password (key/value with expiry). */
export const knownHash = (login: string) => `kh|${login}`;
/** Failures on a known network whose pwhash is the known one (wrong passwords sharing its truncated hash). */
export const hashCollisions = (net: string, login: string) => `c|${net}|${login}`;
/** Distinct logins one network failed for, per domain (configs are per domain). */
export const networkLogins = (domain: string, net: string) => `l|${domain}|${net}`;
/** A network where the login succeeded recently (key/value with expiry). */
export const knownNetwork = (login: string, net: string) => `k|${login}|${net}`;
/** How many times a block key was blocked recently (for doubling). */
export const strikes = (domain: string, blockKey: string) => `s|${domain}|${blockKey}`;

/** Block keys: unique within a domain, as `blocks list` shows them. */
export const pairBlock = (net: string, login: string) => `pair:${net}|${login}`;
export const loginBlock = (login: string) => `login:${login}`;
export const networkBlock = (net: string) => `net:${net}`;
export const deviceBlock = (net: string, login: string, device: string) => `device:${net}|${login}|${device}`;

/**
 * Major version of the plugin contract. A manifest whose `apiVersion` differs
 * is refused: a plugin built against another major may call hooks that changed
 * meaning. Bump only on a breaking change to anything exported from shared/.
 */
export const API_VERSION = 1;

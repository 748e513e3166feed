/**
 * Node modules a plugin gets as a stand-in that loads the module on first use
 * (a property read, a key listed). Loading node:crypto, node:child_process or
 * node:dns costs a command a few percent of node's start, and most commands
 * construct plugins that call them only while serving (hash a device id, run
 * postfix reload, query a DNSBL). Bundled plugins read a function off the
 * module when they call it (`(0, node_crypto_1.createHash)(…)`), so the load
 * waits for the first call; a plugin that copies the module's keys at import
 * loads it then. Values and functions are node's own.
 */
const LAZY = new Set(['crypto', 'child_process', 'dns']);

const made = new Map<string, object>();

/** The stand-in for builtin `id` (`node:crypto` or `crypto`…), or undefined when it is loaded as usual. */
export function lazyBuiltin(id: string): object | undefined {
  const name = id.startsWith('node:') ? id.slice(5) : id;
  if (!LAZY.has(name)) return undefined;
  let m = made.get(name);
  if (!m) {
    m = standIn(() => require(`node:${name}`) as object);
    made.set(name, m);
  }
  return m;
}

function standIn(load: () => object): object {
  let real: object | undefined;
  const mod = (): object => (real ??= load());
  // The target only carries what a Proxy must report truthfully: non-configurable properties, copied on first report.
  const target: object = {};
  return new Proxy(target, {
    get: (_t, key) => Reflect.get(mod(), key),
    set: (_t, key, value) => Reflect.set(mod(), key, value),
    has: (_t, key) => Reflect.has(mod(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(mod(), key),
    ownKeys: () => Reflect.ownKeys(mod()),
    getOwnPropertyDescriptor: (t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(mod(), key);
      if (d && !d.configurable && !Reflect.getOwnPropertyDescriptor(t, key)) Reflect.defineProperty(t, key, d);
      return d;
    },
    defineProperty: (_t, key, d) => Reflect.defineProperty(mod(), key, d),
    getPrototypeOf: () => Reflect.getPrototypeOf(mod()),
  });
}

import { MemoryStateStore } from '../../../../shared/testing';
import type { ChangeChannel, ChangeListener, HostStore } from '../../../../host/core/state/host-store';
import { storeConformance } from '../../host/core/state/store-conformance';

/** The suite's change-notification part is the host's, not the StateStore contract's: lent here so the rest runs. */
function withChanges(store: MemoryStateStore): HostStore {
  const listeners = new Set<ChangeListener>();
  return Object.assign(store, {
    backend: 'memory',
    publish: async (c: ChangeChannel, source?: string) => listeners.forEach((l) => l(c, source)),
    subscribe: (l: ChangeListener) => (listeners.add(l), () => void listeners.delete(l)),
    close: async () => undefined,
  }) as unknown as HostStore;
}

describe('MemoryStateStore (the test kit store) passes the store conformance suite', () => {
  storeConformance(async () => ({ store: withChanges(new MemoryStateStore()), close: async () => undefined }));
});

describe('MemoryStateStore lent to a plugin', () => {
  test('marks its blocks with the plugin, clears only those, and signs audit entries without an actor', async () => {
    const store = new MemoryStateStore({ plugin: 'bf' });
    const b = { key: 'k', domain: 'example.com', reason: 'r', source: 'admin', createdAt: 0, expiresAt: 10, strikes: 1 };
    await store.putBlock(b);
    expect((await store.getBlock('k', 'example.com', 0))?.source).toBe('bf');
    await store.appendAudit({ at: 1, actor: '', action: 'block', subject: 'k' });
    expect((await store.listAudit({}))[0].actor).toBe('bf');
  });
});

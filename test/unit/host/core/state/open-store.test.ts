import { openStore } from '../../../../../host/core/state/open-store';

test('the redis backend needs a url, and a bad one is named without its password', () => {
  expect(() => openStore({ backend: 'redis' }, '/nonexistent')).toThrow('state.url is required when state.backend is "redis"');
  expect(() => openStore({ backend: 'redis', url: 'redis-cluster://:secret@' }, '/nonexistent')).toThrow(/state\.url .*no host given/);
  expect(() => openStore({ backend: 'redis', url: 'redis-cluster://:secret@' }, '/nonexistent')).not.toThrow(/secret/);
});

test('a key prefix with hash-tag braces is refused before anything connects', () => {
  expect(() => openStore({ backend: 'redis', url: 'redis://127.0.0.1:1', keyPrefix: 'mw{1}:' }, '/nonexistent')).toThrow('state.keyPrefix "mw{1}:" must not contain "{" or "}"');
});

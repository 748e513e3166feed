import { parseProbeTarget } from '../../../../../host/tools/postfix/relay-probe';

describe('parseProbeTarget', () => {
  it.each([
    ['mx.example.com', { host: 'mx.example.com', port: 25 }],
    ['127.0.0.1:2525', { host: '127.0.0.1', port: 2525 }],
    ['[::1]:587', { host: '::1', port: 587 }],
    ['::1', { host: '::1', port: 25 }],
  ])('%s', (t, r) => expect(parseProbeTarget(t)).toEqual(r));
  it.each(['host:0', 'host:99999', 'host:x', '[::1', ':25'])('refuses %s', (t) => expect(() => parseProbeTarget(t)).toThrow());
});

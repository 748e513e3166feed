import { SqliteStore } from '../../../../../host/core/state/sqlite-store';
import * as fs from 'node:fs';
test('sqlite listAudit filters', async () => {
  const d = fs.mkdtempSync('/tmp/mw-sq-');
  const s = new SqliteStore(d + '/x.db');
  await s.appendAudit({ at: 1, actor: 'a', action: 'x', subject: 'trusted-ips:*|1', domain: 'd.test' });
  await s.appendAudit({ at: 2, actor: 'a', action: 'y', subject: 'other' });
  expect((await s.listAudit({ subjectPrefix: 'trusted-ips:' })).map((e) => e.action)).toEqual(['x']);
  expect((await s.listAudit({})).map((e) => e.action)).toEqual(['y', 'x']);
  expect((await s.listAudit({ domain: 'd.test', limit: 1 })).map((e) => e.action)).toEqual(['x']);
  expect((await s.listAudit({ since: 2 })).map((e) => e.action)).toEqual(['y']);
  await s.close();
  fs.rmSync(d, { recursive: true });
});

import { SqliteStore } from '../../../host/state/sqlite-store';
import { tempDir } from '../../helpers/plugin-fixture';
test('audit filter on sqlite', async () => {
  const s = new SqliteStore(tempDir() + '/x.db');
  await s.appendAudit({ at: 1, actor: 'a', action: 'x', subject: 'block:1', domain: 'd' });
  await s.appendAudit({ at: 2, actor: 'a', action: 'y', subject: 'account:1' });
  expect((await s.listAudit({ subjectPrefix: 'block:' })).map((e) => e.action)).toEqual(['x']);
  expect((await s.listAudit({ domain: 'd', limit: 5 })).map((e) => e.action)).toEqual(['x']);
  expect((await s.listAudit({ since: 2 })).map((e) => e.action)).toEqual(['y']);
  expect((await s.listAudit({})).length).toBe(2);
  await s.close();
});

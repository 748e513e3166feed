import * as fs from 'node:fs';
import * as path from 'node:path';
import { Privd } from '../../../../../../host/adapters/privd/privd';
import { PostfixQueue } from '../../../../../../host/tools/postfix/queue/postfix-queue';
import { QueueTools } from '../../../../../../host/tools/postfix/queue/queue-tools';
import { PrivilegedClient } from '../../../../../../host/tools/privileged/client';
import { SystemClock } from '../../../../../../host/core/services/clock';
import { tempDir } from '../../../../../helpers/plugin-fixture';
import { fakeQueue } from './queue-file-fixture';

/*
 * The service under its unit (not root, privileged.socket set): the queue
 * files are not its to read, so the SASL logins come from mailwarden-privd,
 * which reads the queue of its own config. The route is decided by uid, and
 * these tests may run as root, so it is set here directly.
 */
let mockHelper: PrivilegedClient | undefined;

/** The queue-sasl reads go to the real helper; postsuper calls are only recorded (here the helper shares the process, and would route them back to itself). */
class HoldRecorder extends PrivilegedClient {
  readonly calls: string[][] = [];
  override async postsuper(mode: string, ids: readonly string[]): Promise<string> {
    this.calls.push([mode, ...ids]);
    return `postsuper: Placed on hold: ${ids.length} message\n`;
  }
}
jest.mock('../../../../../../host/tools/privileged/route', () => ({ privilegedRoute: () => mockHelper, installPrivilegedRoute: () => undefined }));

const log = { debug() {}, info() {}, warn() {}, error() {} };

describe('PostfixQueue through the privileged helper', () => {
  let spool: string;
  let bin: string;
  let privdLog: Array<Record<string, unknown>>;
  let d: Privd;

  beforeEach(async () => {
    spool = fakeQueue();
    bin = tempDir('mw-pq-bin-');
    const config = path.join(bin, 'mailwarden.json');
    fs.writeFileSync(config, JSON.stringify({ postfix: { queueDirectory: spool }, privileged: { socket: path.join(bin, 'privd.sock') } }));
    privdLog = [];
    d = new Privd({ configFile: config, skipOwnerChecks: true, log: (e) => privdLog.push(e) });
    await d.listen();
    mockHelper = new PrivilegedClient(path.join(bin, 'privd.sock'));
  });
  afterEach(async () => {
    mockHelper = undefined;
    await d.close();
    fs.rmSync(spool, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
  });

  /** A postqueue that lists `lines` as `postqueue -j` does. */
  function postqueue(lines: Array<[string, string, string]>): string {
    const pq = path.join(bin, 'postqueue');
    const j = ([q, id, sender]: [string, string, string]) => JSON.stringify({ queue_name: q, queue_id: id, arrival_time: 1, message_size: 1, sender, recipients: [] });
    fs.writeFileSync(pq, `#!/bin/sh\ncat <<'X'\n${lines.map(j).join('\n')}\nX\n`, { mode: 0o755 });
    return pq;
  }

  test('sasl_username comes from the helper, in batches, never from files the service would read itself', async () => {
    const gone = Array.from({ length: 2100 }, (_, i): [string, string, string] => ['deferred', `G${i}`, 'gone@example.com']);
    const pq = postqueue([['active', 'A1B2C3', 'a@example.com'], ['deferred', 'D00001', 'spam@example.com'], ...gone, ['deferred', 'E00002', 'spam@example.com'], ['hold', 'H00004', 'x@example.com']]);
    // The service's own idea of the queue directory is not where the files are: only the helper can answer.
    const q = new PostfixQueue({ queueDirectory: path.join(bin, 'not-the-queue'), postqueuePath: pq, postsuperPath: 'postsuper', postconfPath: 'postconf' }, new SystemClock(), log);
    const got: Array<[string, string | undefined]> = [];
    for await (const m of q.messages({ saslUsername: true })) got.push([m.queueId, m.saslUsername]);
    expect(got.length).toBe(2104);
    expect(got.filter(([, s]) => s)).toEqual([['A1B2C3', 'alice@example.com'], ['D00001', 'bob@example.com']]);
    expect(got.map(([id]) => id).slice(0, 3)).toEqual(['A1B2C3', 'D00001', 'G0']);
    expect(privdLog.filter((e) => e.msg === 'done').map((e) => [e.op, e.ids])).toEqual([['queue-sasl', 1000], ['queue-sasl', 1000], ['queue-sasl', 104]]);
  });

  test('holdBySaslUsername holds what the login submitted, whatever its envelope sender, through the helper', async () => {
    const pq = postqueue([['active', 'A1B2C3', 'a@example.com'], ['deferred', 'D00001', 'spam@example.com'], ['deferred', 'E00002', 'spam@example.com']]);
    const pf = { queueDirectory: path.join(bin, 'not-the-queue'), postqueuePath: pq, postsuperPath: 'postsuper', postconfPath: 'postconf' };
    const helper = new HoldRecorder(path.join(bin, 'privd.sock'));
    mockHelper = helper;
    const tools = new QueueTools(new PostfixQueue(pf, new SystemClock(), log), pf, new SystemClock());
    expect(await tools.holdBySaslUsername('Bob@Example.com')).toBe(1);
    expect(helper.calls).toEqual([['hold', 'D00001']]);
  });

  test('a helper that is not there fails the read (the caller falls back visibly), it does not read as if no message had a login', async () => {
    await d.close();
    const pq = postqueue([['active', 'A1B2C3', 'a@example.com']]);
    const q = new PostfixQueue({ queueDirectory: spool, postqueuePath: pq, postsuperPath: 'postsuper', postconfPath: 'postconf' }, new SystemClock(), log);
    const read = async () => {
      for await (const m of q.messages({ saslUsername: true })) void m;
    };
    await expect(read()).rejects.toThrow(/privileged helper at .*privd\.sock: .*is mailwarden-privd running\?/);
    d = new Privd({ configFile: path.join(bin, 'mailwarden.json'), skipOwnerChecks: true, log: () => undefined });
    await d.listen();
  });
});

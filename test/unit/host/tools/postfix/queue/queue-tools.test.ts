import * as path from 'node:path';
import { QueueTools } from '../../../../../../host/tools/postfix/queue/queue-tools';
import { ManualClock } from '../../../../../../host/core/services/clock';
import { fakePostfixCommands } from '../../../../../helpers/fake-postfix-commands';
import { FakeQueue } from '../../../../../helpers/fake-queue';

const fixture = path.join(__dirname, '../../../../../fixtures/postqueue-j.jsonl');

describe('QueueTools (the QueueActions lent to plugins)', () => {
  function tools() {
    const fake = fakePostfixCommands(fixture);
    const queue = new FakeQueue();
    const t = new QueueTools(queue, { postsuperPath: fake.postsuperPath, postqueuePath: fake.postqueuePath, postconfPath: 'postconf' }, new ManualClock());
    return { t, queue, fake };
  }

  test('holdBySaslUsername holds exactly what that login submitted, whatever its envelope sender', async () => {
    const { t, queue, fake } = tools();
    queue.pile(2, 'alice@example.com', 'alice@example.com');
    queue.pile(1, 'ceo@example.com', 'alice@example.com');
    queue.pile(2, 'alice@example.com', 'xalice@example.com');
    queue.pile(1, 'bob@example.com');
    await t.holdBySaslUsername('Alice@Example.com');
    const [call] = fake.postsuperCalls();
    const expected = queue.messageList.filter((m) => m.saslUsername === 'alice@example.com').map((m) => m.queueId);
    expect(call.argv).toEqual(['-h', '-']);
    expect(call.ids).toEqual(expected);
    expect(call.ids).toHaveLength(3);
  });

  test('holdBySender is exact, and already-held mail is left alone', async () => {
    const { t, queue, fake } = tools();
    queue.pile(2, 'alice@example.com');
    queue.pile(1, 'xalice@example.com');
    queue.pile(1, 'alice@example.com.evil');
    queue.messageList.push({ ...queue.messageList[0], queueId: 'HELD1', queueName: 'hold' });
    await t.holdBySender('ALICE@example.com');
    expect(fake.postsuperCalls()[0].ids).toEqual(queue.messageList.slice(0, 2).map((m) => m.queueId));
  });

  test('holdQueueIds passes only queue IDs (never ALL) and returns what postsuper confirmed', async () => {
    const { t, fake } = tools();
    expect(await t.holdQueueIds(['8CB7220C381', 'ALL', 'x y', '2F2F520C35C', 'NOTQUEUED1'])).toBe(2);
    expect(fake.postsuperCalls()[0].ids).toEqual(['8CB7220C381', '2F2F520C35C', 'NOTQUEUED1']);
    expect(await t.holdQueueIds(['ALL'])).toBe(0);
    expect(fake.postsuperCalls()).toHaveLength(1);
  });
});

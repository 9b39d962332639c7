import assert from 'node:assert/strict';
import { Scheduler } from '../../../src/features/notifications/scheduler.js';
import { backoffMs } from '../../../src/features/notifications/outbox.worker.js';
import { createLogger } from '../../../src/logger.js';

describe('scheduler and backoff', () => {
  it('when stopped during a run, should wait for the run to finish and start no other', async () => {
    let runs = 0;
    let finished = 0;
    const s = new Scheduler([{ name: 'slow', everyMs: 10, run: async () => { runs++; await new Promise((r) => setTimeout(r, 80)); finished++; } }], createLogger('silent'));
    s.start();
    await new Promise((r) => setTimeout(r, 30));
    await s.stop();
    assert.equal(runs, 1, 'a job never overlaps itself');
    assert.equal(finished, 1, 'stop() waited for it');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(runs, 1, 'nothing after stop');
  });

  it('when a job throws, should keep running it on the next tick', async () => {
    let runs = 0;
    const s = new Scheduler([{ name: 'flaky', everyMs: 10, run: async () => { runs++; throw new Error('boom'); } }], createLogger('silent'));
    s.start();
    await new Promise((r) => setTimeout(r, 60));
    await s.stop();
    assert.ok(runs >= 2);
  });

  it('should back off 30 s, 1 min, 2 min… up to an hour', () => {
    assert.deepEqual([1, 2, 3].map(backoffMs), [30_000, 60_000, 120_000]);
    assert.equal(backoffMs(20), 3_600_000);
  });
});

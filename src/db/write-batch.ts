import type { Knex } from 'knex';

type Work<T> = (trx: Knex.Transaction) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit on the single writer. A write that comes while the writer is busy waits with
 * those that come meanwhile; then they run together, in one transaction: one BEGIN and one
 * COMMIT for all, and each trip through the connection carries a statement of each. With one
 * writer, a transaction's time is mostly trips (each waits for the main thread), not work.
 *
 * When any of them fails, the transaction is rolled back and each runs again alone, so that only
 * the failing one fails. So a job's work must have no effect outside its transaction (files are
 * moved before, mails queued through it), and none may read what another writes.
 */
export class WriteBatch {
  private readonly waiting: Job[] = [];
  private running = false;

  constructor(
    private readonly db: Knex,
    /** The most jobs one transaction carries. */
    private readonly maxJobs = 32,
  ) {}

  /** Runs `work` in a transaction, shared with the writes that wait with it; resolves once committed. */
  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) await this.runTogether(this.waiting.splice(0, this.maxJobs));
    } finally {
      this.running = false;
    }
  }

  private async runTogether(jobs: Job[]): Promise<void> {
    if (jobs.length > 1) {
      let results: unknown[] | undefined;
      try {
        results = await this.db.transaction(async (trx) => {
          // Every job's statements are done before COMMIT or ROLLBACK: none is left in flight.
          const settled = await Promise.allSettled(jobs.map((j) => j.work(trx)));
          const failed = settled.find((s) => s.status === 'rejected');
          if (failed) throw failed.reason;
          return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
        });
      } catch {
        // Rolled back: each again, alone, below.
      }
      if (results) {
        jobs.forEach((j, i) => j.resolve(results[i]));
        return;
      }
    }
    for (const job of jobs) {
      try {
        job.resolve(await this.db.transaction(job.work));
      } catch (err) {
        job.reject(err);
      }
    }
  }
}

import type { Logger } from 'pino';

export interface Job {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/**
 * Runs background jobs inside the app on timers. Each job is idempotent and safe to run in two
 * processes at once; a job never overlaps itself; stop() waits for running jobs to finish.
 */
export class Scheduler {
  private timers: NodeJS.Timeout[] = [];
  private running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly jobs: Job[],
    private readonly logger: Logger,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      let busy = false;
      const tick = () => {
        if (busy || this.stopped) return;
        busy = true;
        const p = job
          .run()
          .catch((err) => this.logger.error({ err, job: job.name }, 'scheduled job failed'))
          .finally(() => {
            busy = false;
            this.running.delete(p);
          });
        this.running.add(p);
      };
      const timer = setInterval(tick, job.everyMs);
      timer.unref();
      this.timers.push(timer);
      setImmediate(tick);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.running]);
  }
}

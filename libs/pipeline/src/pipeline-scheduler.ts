// The server's retraining schedule: a cron expression (croner) that starts the pipeline as a job. A tick while a
// pipeline still runs is skipped (the job lease refuses it) and logged, never queued up.
import { Cron } from 'croner';
import type { JobRunner } from './job-runner.js';

export interface PipelineSchedulerOptions {
  /** Five- or six-field cron expression, e.g. "0 3 * * *" (every day at 03:00). */
  cron: string;
  /** IANA time zone of the expression (default: the server's). */
  timezone?: string;
  /** Params of each scheduled pipeline job. */
  params?: Record<string, unknown>;
  onStarted?: (jobId: number) => void;
  onSkipped?: (reason: string) => void;
}

export class PipelineScheduler {
  private readonly cron: Cron;

  constructor(
    private readonly runner: JobRunner,
    private readonly options: PipelineSchedulerOptions,
  ) {
    if (typeof options?.cron !== 'string' || options.cron.trim() === '') throw new Error('cron: a cron expression is required');
    try {
      this.cron = new Cron(options.cron.trim(), { timezone: options.timezone, protect: true, paused: true }, () => void this.tick());
    } catch (error) {
      throw new Error(`cron: invalid expression "${options.cron}": ${(error as Error).message}`);
    }
  }

  start(): this {
    this.cron.resume();
    return this;
  }

  /** When the next run is due (null when the expression has no future run). */
  nextRun(): Date | null {
    return this.cron.nextRun();
  }

  /** Starts one scheduled run now (what each tick does). */
  async tick(): Promise<number | null> {
    try {
      const job = await this.runner.start('pipeline', { ...this.options.params, trigger: 'schedule' });
      this.options.onStarted?.(job.id);
      return job.id;
    } catch (error) {
      this.options.onSkipped?.((error as Error).message);
      return null;
    }
  }

  stop(): void {
    this.cron.stop();
  }
}

import type { Logger } from '@customer-hub/logging';

/** Logs how long each phase of a job took (`{ phase, ms }`), for ops and benchmarks. */
export function phaseTimer(logger: Logger, job: string) {
  let last = process.hrtime.bigint();
  return {
    done(phase: string) {
      const now = process.hrtime.bigint();
      logger.info({ phase, ms: Number(now - last) / 1e6 }, `${job} ${phase} done`);
      last = now;
    },
  };
}

import type { Logger, Metrics } from '../../../shared';

/** Counts of faults no code caught; shown by /healthz. */
export const processFaults = { unhandledRejections: 0 };

/**
 * A promise rejected with nobody listening is a defect, but not a reason to
 * stop answering Dovecot and Postfix: it is logged with its stack, counted
 * (metric and /healthz), and serving goes on. Uncaught exceptions still end
 * the process (systemd restarts it): the state after one is unknown.
 */
export function watchProcessFaults(logger: Logger, metrics: Metrics): () => void {
  const onRejection = (reason: unknown) => {
    processFaults.unhandledRejections++;
    metrics.increment('unhandled_rejections');
    logger.error({ err: reason instanceof Error ? reason.stack ?? reason.message : String(reason) }, 'unhandled promise rejection (a defect: please report it)');
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}

/**
 * The local stack's stand-in for Firestore triggers and Cloud Scheduler: the embedded Firestore
 * emulator fires no triggers, so this runs the same delivery code the deployed functions run
 * (fan-out, retries, expiry events), on a timer.
 */
import { Timestamp } from 'firebase-admin/firestore';

/** The service functions the deployed trigger and schedules call. */
export interface PumpServices {
  pumpRecentEvents(since: Timestamp): Promise<Timestamp>;
  processDueDeliveries(): Promise<number>;
  emitExpiryEvents(): Promise<number>;
  emitExpiringReminders(): Promise<number>;
}

/**
 * The same services, from the built functions (functions/lib), so the pump runs the code that
 * deploys and shares the functions' firebase-admin app when it runs in their process.
 */
export function builtPumpServices(require: (id: string) => unknown, functionsLib: string): PumpServices {
  const delivery = require(`${functionsLib}/services/webhooks/webhookDispatch.js`) as Pick<PumpServices, 'pumpRecentEvents' | 'processDueDeliveries'>;
  const expiry = require(`${functionsLib}/services/licensing/licenseExpiryPass.js`) as Pick<PumpServices, 'emitExpiryEvents'>;
  const reminders = require(`${functionsLib}/services/licensing/expiringRemindersPass.js`) as Pick<PumpServices, 'emitExpiringReminders'>;
  return {
    pumpRecentEvents: delivery.pumpRecentEvents,
    processDueDeliveries: delivery.processDueDeliveries,
    emitExpiryEvents: expiry.emitExpiryEvents,
    emitExpiringReminders: reminders.emitExpiringReminders,
  };
}

export function startEventPump(
  services: PumpServices,
  options: { intervalMs?: number; expiryEveryMs?: number; log?: (message: string) => void } = {},
) {
  const { emitExpiryEvents, emitExpiringReminders, processDueDeliveries, pumpRecentEvents } = services;
  const intervalMs = options.intervalMs ?? 1_000;
  const expiryEveryMs = options.expiryEveryMs ?? 60_000;
  let since = Timestamp.fromMillis(Date.now() - 60_000);
  let lastExpiryRun = 0;
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      since = await pumpRecentEvents(since);
      await processDueDeliveries();
      if (Date.now() - lastExpiryRun >= expiryEveryMs) {
        lastExpiryRun = Date.now();
        const emitted = await emitExpiryEvents();
        if (emitted > 0) options.log?.(`license.expired emitted for ${emitted} license(s)`);
        const reminded = await emitExpiringReminders();
        if (reminded > 0) options.log?.(`license.expiring emitted for ${reminded} license(s)`);
      }
    } catch (error) {
      options.log?.(`event pump: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      while (running) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

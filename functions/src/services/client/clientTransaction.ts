/**
 * The client-transaction runner: every client call of every door goes through `runClientCall`.
 * It reads the license (the one document read of a steady-state call), asks the pure decision
 * (clientDecision.ts), and commits in one transaction what the decision says plus the call's
 * own records: the auth-log entry (keyed by the nonce when there is one, which is the replay
 * check), the heartbeat slot (the heartbeat rate limit), a credit, events. A refusal writes
 * nothing here; the door's `recordingRefusals` logs it.
 */
import { randomInt } from 'node:crypto';
import type { Timestamp, Transaction } from 'firebase-admin/firestore';
import { sessions } from '../../config/constants.js';
import { authLogEntry, authLogsCollection, callRecordRef, type AuthAction } from '../../data/authLogs.js';
import { isAlreadyExists } from '../../data/errors.js';
import { inDocumentTurn, WriterTurnNeeded, writerTurnNeeded } from '../../data/documentTurns.js';
import { db } from '../../data/firestore.js';
import { heartbeatSlotOf, heartbeatSlotRecord, heartbeatSlotRef, isHeartbeatSlotCollision, secondsToNextSlot } from '../../data/heartbeatSlots.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { ApiError } from '../../domain/errors.js';
import type { ClientApp } from './clientApps.js';
import { decideClientCall, eventsOnlyForSubscribers, type ClientRequest, type DoorPolicy } from './clientDecision.js';
import { takeCredit } from '../admin/credits.js';
import { recordEvent } from '../licensing/licenseChanges.js';

export interface ClientCall {
  policy: DoorPolicy;
  client: ClientApp;
  licenseKey: string;
  request: ClientRequest;
  /** The action written in the auth log (seed 004's heartbeat logs `floating_heartbeat`). */
  logAction: AuthAction;
  now: Timestamp;
  /** The call's nonce: its auth-log entry is keyed by it, so a replay fails. */
  nonce?: string;
  /** SDK heartbeat: claim the device's slot (one heartbeat per slot, six a minute). */
  heartbeatSlot?: boolean;
  /** `always`: one credit (SDK validate); `sometimes`: one in `heartbeatsPerCredit` (SDK heartbeat). */
  credit?: 'always' | 'sometimes';
  /**
   * Work of the call outside the license (selfban's bans), run in the transaction once the
   * decision admits the call: it may read (it runs before any write) and then write.
   */
  alsoWrite?: (transaction: Transaction, license: LicenseDocument) => Promise<void>;
}

/** A refusal whose counted attempt was committed: thrown once the transaction is over. */
class CommittedRefusal {
  constructor(readonly error: ApiError) {}
}

function metered(call: ClientCall): boolean {
  if (!call.credit || call.client.app.creditsUnlimited) return false;
  return call.credit === 'always' || randomInt(sessions.heartbeatsPerCredit) === 0;
}

/** Runs one client call; returns the license as it stands after it. */
export async function runClientCall(call: ClientCall): Promise<LicenseDocument> {
  const { client, licenseKey, request, now } = call;
  const appId = client.appId;
  const ref = licensesCollection().doc(licenseKey);
  const rules = { disabled: client.app.disabled, security: client.app.security, clientBans: client.app.clientBans, maxIpsPerDay: client.app.settings.maxIpsPerDay };
  const charge = metered(call);
  try {
    // Calls that write the license take turns in this instance, readers run side by side
    // (data/documentTurns.ts): concurrent writes on one key would abort each other.
    const outcome = await inDocumentTurn(ref.path, (asWriterTurn) => db().runTransaction(async (transaction) => {
      const stored = (await transaction.get(ref)).data();
      const decision = decideClientCall(call.policy, rules, stored, request, now);
      const writesLicense = decision.outcome === 'refuse' ? decision.record !== undefined : decision.licenseChanged;
      if (writesLicense && !asWriterTurn && writerTurnNeeded(ref.path)) throw new WriterTurnNeeded();
      if (decision.outcome === 'refuse') {
        if (!decision.record) throw decision.error;
        // A counted attempt (seed 004 activate) or a revocation on expiry is written although
        // the call is refused, with its events.
        transaction.set(ref, decision.record);
        const scope = { appId, accountId: decision.record.accountId, licenseKey };
        for (const event of decision.recordEvents ?? []) recordEvent(transaction, event.type, scope, event.data, now);
        return new CommittedRefusal(decision.error);
      }
      const accountId = stored?.accountId ?? client.app.accountId;
      // Reads must precede writes in a transaction: take the credit and the call's own reads first.
      const spendCredit = charge ? await takeCredit(transaction, accountId) : undefined;
      await call.alsoWrite?.(transaction, decision.license);
      spendCredit?.();
      if (decision.licenseChanged) transaction.set(ref, decision.license);
      const scope = { appId, accountId, licenseKey };
      for (const event of decision.events) {
        if (eventsOnlyForSubscribers.has(event.type) && !client.subscribes(event.type)) continue;
        recordEvent(transaction, event.type, scope, event.data, now);
      }
      const log = authLogEntry({ appId, licenseKey, hwid: request.hwid, ip: request.ip, action: call.logAction, result: 'ok' }, now);
      transaction.create(call.nonce === undefined ? authLogsCollection().doc() : callRecordRef(appId, call.nonce), log);
      if (call.heartbeatSlot && request.hwid !== null) {
        transaction.create(
          heartbeatSlotRef(appId, licenseKey, request.hwid, heartbeatSlotOf(now)),
          heartbeatSlotRecord({ appId, licenseKey, hwid: request.hwid, ip: request.ip }, now),
        );
      }
      return decision.license;
    }));
    if (outcome instanceof CommittedRefusal) throw outcome.error;
    return outcome;
  } catch (error) {
    // The only creates that can collide: the heartbeat slot (taken) and the nonce's entry (used).
    if (isAlreadyExists(error)) {
      if (isHeartbeatSlotCollision(error)) {
        throw new ApiError('rate_limited', `At most one heartbeat per device every ${sessions.heartbeatSlotSeconds} s (6 a minute)`, {
          retryAfterSeconds: secondsToNextSlot(now),
        });
      }
      throw new ApiError('replay_detected', 'This nonce has already been used', { violation: 'replayed_nonce' });
    }
    throw error;
  }
}

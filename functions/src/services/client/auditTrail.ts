/**
 * What a client call leaves behind even when it is refused: one auth-log entry (seed 003)
 * and, for security-relevant refusals, a violation flagged on the license.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { authLogEntry, authLogsCollection, type AuthAction } from '../../data/authLogs.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, type ViolationDocument } from '../../data/licenses.js';
import { ApiError } from '../../domain/errors.js';
import type { RequestLogger } from '../../domain/logger.js';
import { refusedUnknownLicense } from './clientDecision.js';
import { withViolation } from '../licensing/licenseRules.js';

export interface CallRecord {
  appId: string;
  licenseKey: string | null;
  hwid: string | null;
  ip: string;
  action: AuthAction;
}

export async function writeAuthLog(call: CallRecord, result: string, now = Timestamp.now()): Promise<void> {
  await authLogsCollection().add(authLogEntry({ ...call, result }, now));
}

/** Flags a violation on the license (bounded list) if the license exists and belongs to the app. */
export async function flagViolation(call: CallRecord, violation: Omit<ViolationDocument, 'at'>, now = Timestamp.now()): Promise<void> {
  if (!call.licenseKey) return;
  const ref = licensesCollection().doc(call.licenseKey);
  await db().runTransaction(async (transaction) => {
    const license = (await transaction.get(ref)).data();
    if (!license || license.appId !== call.appId) return;
    transaction.set(ref, withViolation(license, { ...violation, at: now }));
  });
}

/** The violation an error stands for, if any (set by the rule that refused the call). */
export function violationOf(error: unknown): ViolationDocument['type'] | undefined {
  return error instanceof ApiError ? error.violation : undefined;
}

/**
 * Records a refused call: the log entry, plus the violation it stands for; a refusal for a key
 * that names no license of the app only as a log line. Recording must not
 * turn a clean 4xx into a 500, so its own failures are only logged.
 */
export async function recordRefusal(call: CallRecord, error: unknown, log: RequestLogger): Promise<void> {
  const code = error instanceof ApiError ? error.code : 'system_error';
  if (refusedUnknownLicense(error)) {
    // A key that names no license of the app writes nothing: a stream of random keys costs no
    // document (seed 003's log is a license's). The log line is the count (a log-based metric).
    log.info('client call refused: unknown license', { appId: call.appId, action: call.action, ip: call.ip, code });
    return;
  }
  const violation = violationOf(error);
  const now = Timestamp.now();
  try {
    await Promise.all([
      writeAuthLog(call, code, now),
      violation
        ? flagViolation(call, { type: violation, hwid: call.hwid, ip: call.ip, detail: error instanceof Error ? error.message : code }, now)
        : Promise.resolve(),
    ]);
  } catch (recordError) {
    log.error('could not record refused call', { error: String(recordError) });
  }
}

/** Runs a client call; when it is refused, records the log entry and any violation, then rethrows. */
export async function recordingRefusals<T>(call: CallRecord, log: RequestLogger, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    await recordRefusal(call, error, log);
    throw error;
  }
}

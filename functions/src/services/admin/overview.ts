/**
 * An app at a glance (v1 GET /apps/:appId/overview), derived from data the app already has:
 * Firestore count() aggregations over its licenses and its auth log. Nothing is counted on the
 * client hot path: no counter document, no extra write per call. Each aggregation reads index
 * entries only (one billed read per 1,000 entries), and they run side by side.
 */
import { Timestamp } from 'firebase-admin/firestore';
import type { z } from 'zod';
import { authLogsCollection } from '../../data/authLogs.js';
import { accountsCollection } from '../../data/accounts.js';
import { licensesCollection } from '../../data/licenses.js';
import { errorStatus, type ErrorCode } from '../../domain/errors.js';
import type { appOverviewResponse } from '../../schemas/console.js';
import { loadOwnedApp } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { creditBalance } from './credits.js';

const dayMs = 86_400_000;
export const overviewDays = 30;

/** The auth-log actions that check a license (SDK validate, seed 004 verify, activate and session validate). */
const checkActions = ['validate', 'verify', 'activate', 'session'] as const;

/**
 * The codes a refused client call can be logged with: every client-facing code but those a
 * key that names no license of the app answers (those are not logged, see auditTrail.ts).
 */
const refusalCodes = (Object.keys(errorStatus) as ErrorCode[]).filter(
  (code) =>
    !code.startsWith('activation_request') &&
    !['invalid_activation_request', 'method_not_allowed', 'payload_too_large', 'unsupported_media_type', 'conflict', 'unauthorized'].includes(code),
);

const countOf = async (query: { count(): { get(): Promise<{ data(): { count: number } }> } }) => (await query.count().get()).data().count;

export async function appOverview(principal: Principal, appId: string, nowMs = Date.now()): Promise<z.infer<typeof appOverviewResponse>> {
  const app = await loadOwnedApp(principal, appId);
  const now = Timestamp.fromMillis(nowMs);
  const licenses = licensesCollection().where('appId', '==', appId);
  const usable = licenses.where('revoked', '==', false);
  const today = Math.floor(nowMs / dayMs) * dayMs;
  // UTC days, oldest first, today (so far) last.
  const days = Array.from({ length: overviewDays }, (_, index) => today - (overviewDays - 1 - index) * dayMs);
  const since = Timestamp.fromMillis(days[0] ?? today);
  const logs = authLogsCollection().where('appId', '==', appId);
  const [active, expired, revoked, expiringSoon, validations, failures, account, balance] = await Promise.all([
    countOf(usable.where('expiresSort', '>', now)),
    countOf(usable.where('expiresSort', '<=', now)),
    countOf(licenses.where('revoked', '==', true)),
    countOf(usable.where('expiresSort', '>', now).where('expiresSort', '<=', Timestamp.fromMillis(nowMs + overviewDays * dayMs))),
    Promise.all(
      days.map((day) =>
        countOf(
          logs
            .where('result', '==', 'ok')
            .where('action', 'in', [...checkActions])
            .where('createdAt', '>=', Timestamp.fromMillis(day))
            .where('createdAt', '<', Timestamp.fromMillis(day + dayMs)),
        ),
      ),
    ),
    Promise.all(refusalCodes.map(async (code) => ({ code, count: await countOf(logs.where('result', '==', code).where('createdAt', '>=', since)) }))),
    accountsCollection().doc(app.accountId).get(),
    creditBalance(app.accountId),
  ]);
  return {
    appId,
    generatedAt: now.toDate().toISOString(),
    licenses: { active, expired, revoked, expiringNext30Days: expiringSoon },
    validationsPerDay: days.map((day, index) => ({ date: new Date(day).toISOString().slice(0, 10), count: validations[index] ?? 0 })),
    failedChecksByCode: failures.filter((entry) => entry.count > 0).sort((a, b) => b.count - a.count),
    credits: { accountId: app.accountId, unlimited: account.data()?.creditsUnlimited ?? app.creditsUnlimited, balance },
  };
}

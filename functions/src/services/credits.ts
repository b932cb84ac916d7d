import { randomInt } from 'node:crypto';
import { FieldValue, type Transaction } from 'firebase-admin/firestore';
import { creditShardCount } from '../config/constants.js';
import { accountsCollection } from '../data/accounts.js';
import { appsCollection } from '../data/apps.js';
import { allCreditShardRefs, creditShardRef } from '../data/credits.js';
import { db } from '../data/firestore.js';
import { ApiError, notFound } from '../http/errors.js';
import type { GetCreditsInput, GrantCreditsInput } from '../schemas/licenses.js';
import { resolveAccountId } from './access.js';
import type { Principal } from './principal.js';

/**
 * Takes one credit inside the caller's transaction. A random shard is read first (one read);
 * only when it is empty are the others read, so the common path stays at one read and one
 * write and no single document takes every validate. Throws `no_credits` when all are empty.
 * Must run before the transaction's writes (Firestore reads-before-writes rule).
 */
export async function takeCredit(transaction: Transaction, accountId: string): Promise<() => void> {
  const first = creditShardRef(accountId, randomInt(creditShardCount));
  const firstBalance = (await transaction.get(first)).data()?.balance ?? 0;
  if (firstBalance > 0) return () => transaction.set(first, { balance: firstBalance - 1 });
  const shards = await transaction.getAll(...allCreditShardRefs(accountId));
  const funded = shards.find((shard) => (shard.data()?.balance ?? 0) > 0);
  if (!funded) throw new ApiError('no_credits', 'This account has no credits left');
  const balance = funded.data()?.balance ?? 0;
  return () => transaction.set(funded.ref, { balance: balance - 1 });
}

export async function creditBalance(accountId: string): Promise<number> {
  const shards = await db().getAll(...allCreditShardRefs(accountId));
  return shards.reduce((sum, shard) => sum + ((shard.data() as { balance?: number } | undefined)?.balance ?? 0), 0);
}

/**
 * Operator only: adds credits (spread evenly over the shards) and/or switches the account
 * between metered and unlimited. The mode is copied onto the account's apps so validate
 * reads it from the app document it already has.
 */
export async function grantCredits(principal: Principal, input: GrantCreditsInput) {
  if (principal.kind !== 'operator') throw new ApiError('forbidden', 'Only the operator can grant credits');
  const account = (await accountsCollection().doc(input.accountId).get()).data();
  if (!account) throw notFound('Account not found');
  const unlimited = input.unlimited ?? account.creditsUnlimited;
  if (input.amount) {
    if (input.amount > 0) {
      const batch = db().batch();
      const base = Math.floor(input.amount / creditShardCount);
      const remainder = input.amount % creditShardCount;
      allCreditShardRefs(input.accountId).forEach((ref, shard) => {
        const share = base + (shard < remainder ? 1 : 0);
        // Increments bypass the converter: a transform is not a balance.
        if (share > 0) batch.set(ref.withConverter(null), { balance: FieldValue.increment(share) }, { merge: true });
      });
      await batch.commit();
    } else {
      await db().runTransaction(async (transaction) => {
        const refs = allCreditShardRefs(input.accountId);
        const shards = await transaction.getAll(...refs);
        let toTake = -(input.amount ?? 0);
        shards.forEach((shard, index) => {
          const balance = (shard.data()?.balance ?? 0);
          const taken = Math.min(balance, toTake);
          toTake -= taken;
          const ref = refs[index];
          if (taken > 0 && ref) transaction.set(ref, { balance: balance - taken });
        });
      });
    }
  }
  if (unlimited !== account.creditsUnlimited) {
    const apps = await appsCollection().where('accountId', '==', input.accountId).get();
    const writer = db().bulkWriter();
    void writer.update(accountsCollection().doc(input.accountId), { creditsUnlimited: unlimited });
    for (const app of apps.docs) void writer.update(app.ref, { creditsUnlimited: unlimited });
    await writer.close();
  }
  return { accountId: input.accountId, unlimited, balance: await creditBalance(input.accountId) };
}

export async function getCredits(principal: Principal, input: GetCreditsInput) {
  const accountId = await resolveAccountId(principal, input.accountId);
  const account = (await accountsCollection().doc(accountId).get()).data();
  if (!account) throw notFound('Account not found');
  return { accountId, unlimited: account.creditsUnlimited, balance: await creditBalance(accountId) };
}

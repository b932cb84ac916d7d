import { randomInt } from 'node:crypto';
import type { Transaction } from 'firebase-admin/firestore';
import { creditShardCount } from '../../config/constants.js';
import { accountsCollection } from '../../data/accounts.js';
import { appsCollection } from '../../data/apps.js';
import { allCreditShardRefs, creditShardRef } from '../../data/credits.js';
import { db } from '../../data/firestore.js';
import { ApiError, notFound } from '../../domain/errors.js';
import type { GetCreditsInput, GrantCreditsInput } from '../../schemas/licenses.js';
import { resolveAccountId } from '../access/ownership.js';
import { forgetClientApps } from '../client/clientApps.js';
import type { Principal } from '../access/principal.js';

/**
 * Which shard this instance takes next, per account: shards in turn from a random start, so
 * concurrent validates in one instance never read and write the same shard (two transactions
 * that both read and write one document abort one another, and the loser retries after ~1 s),
 * and instances, starting at random places, rarely meet. Shards found empty are skipped for a
 * while, so near depletion validates spread over the funded shards that remain.
 */
interface ShardCursor {
  next: number;
  emptyUntilMs: Map<number, number>;
}
const shardCursors = new Map<string, ShardCursor>();
/** An empty shard is skipped this long (a grant refills shards; a skipped shard is still counted). */
const emptyShardSkipMs = 60_000;

function nextShard(accountId: string, nowMs: number): number | undefined {
  let cursor = shardCursors.get(accountId);
  if (!cursor) {
    if (shardCursors.size > 10_000) shardCursors.clear();
    cursor = { next: randomInt(creditShardCount), emptyUntilMs: new Map() };
    shardCursors.set(accountId, cursor);
  }
  for (let step = 0; step < creditShardCount; step += 1) {
    const shard = (cursor.next + step) % creditShardCount;
    if ((cursor.emptyUntilMs.get(shard) ?? 0) <= nowMs) {
      cursor.next = (shard + 1) % creditShardCount;
      return shard;
    }
  }
  return undefined;
}

/**
 * Takes one credit inside the caller's transaction: one shard read (the next funded one, see
 * above) and, at commit, its balance minus one, so the balance never goes below zero however
 * many validates run at once (a shard read by two commits aborts one). When the shard is empty
 * every shard is read once, the empty ones are remembered, and a funded one is chosen at
 * random. Throws `no_credits` when all are empty. Must run before the transaction's writes
 * (Firestore reads-before-writes rule).
 */
export async function takeCredit(transaction: Transaction, accountId: string): Promise<() => void> {
  const nowMs = Date.now();
  const cursor = () => shardCursors.get(accountId);
  const picked = nextShard(accountId, nowMs);
  if (picked !== undefined) {
    const ref = creditShardRef(accountId, picked);
    const balance = (await transaction.get(ref)).data()?.balance ?? 0;
    if (balance > 0) return () => transaction.set(ref, { balance: balance - 1 });
  }
  const shards = await transaction.getAll(...allCreditShardRefs(accountId));
  const funded = shards.filter((shard) => (shard.data()?.balance ?? 0) > 0);
  shards.forEach((shard, index) => {
    if ((shard.data()?.balance ?? 0) <= 0) cursor()?.emptyUntilMs.set(index, nowMs + emptyShardSkipMs);
    else cursor()?.emptyUntilMs.delete(index);
  });
  const chosen = funded[randomInt(Math.max(1, funded.length))];
  if (!chosen) throw new ApiError('no_credits', 'This account has no credits left');
  const balance = chosen.data()?.balance ?? 0;
  return () => transaction.set(chosen.ref, { balance: balance - 1 });
}

export async function creditBalance(accountId: string): Promise<number> {
  const shards = await db().getAll(...allCreditShardRefs(accountId));
  return shards.reduce((sum, shard) => sum + ((shard.data() as { balance?: number } | undefined)?.balance ?? 0), 0);
}

/**
 * Operator only: adds credits (spread evenly over the shards) and/or switches the account
 * between metered and unlimited. The mode is copied onto the account's apps so validate
 * reads it from the app document it already has. The switch is one transaction that reads the
 * account, lists its apps and writes them all; createProduct writes the account document in its
 * own transaction, so the two are serialised: an app is created either before the listing (and
 * switched) or after the switch (and reads the new mode), never in between (issue 21).
 *
 * The answer's balance is read in the same transaction that changes it: a grant that answers
 * 503 (contention, outage) has granted nothing, so a client may send it again. (Granting with
 * a blind increment and then reading the balance answered 503 after a granted increment when the
 * read failed, and the client's retry granted twice: found by the chaos run, issue 22.) The
 * mode switch is idempotent and comes first, so a failure after it leaves nothing a retry would
 * double.
 */
export async function grantCredits(principal: Principal, input: GrantCreditsInput) {
  if (principal.kind !== 'operator') throw new ApiError('forbidden', 'Only the operator can grant credits');
  const account = (await accountsCollection().doc(input.accountId).get()).data();
  if (!account) throw notFound('Account not found');
  const unlimited = input.unlimited ?? account.creditsUnlimited;
  if (unlimited !== account.creditsUnlimited) {
    const switched = await db().runTransaction(async (transaction) => {
      const accountRef = accountsCollection().doc(input.accountId);
      const current = (await transaction.get(accountRef)).data();
      if (!current || current.creditsUnlimited === unlimited) return false;
      const apps = await transaction.get(appsCollection().where('accountId', '==', input.accountId));
      transaction.update(accountRef, { creditsUnlimited: unlimited });
      for (const app of apps.docs) transaction.update(app.ref, { creditsUnlimited: unlimited });
      return true;
    });
    // Updates bypass the converter's write count: drop this instance's cached apps.
    if (switched) forgetClientApps();
  }
  if (!input.amount) return { accountId: input.accountId, unlimited, balance: await creditBalance(input.accountId) };
  shardCursors.delete(input.accountId);
  const amount = input.amount;
  const balance = await db().runTransaction(async (transaction) => {
    const refs = allCreditShardRefs(input.accountId);
    const shards = await transaction.getAll(...refs);
    const balances = shards.map((shard) => shard.data()?.balance ?? 0);
    if (amount > 0) {
      const base = Math.floor(amount / creditShardCount);
      const remainder = amount % creditShardCount;
      refs.forEach((ref, shard) => {
        const share = base + (shard < remainder ? 1 : 0);
        if (share > 0) transaction.set(ref, { balance: (balances[shard] ?? 0) + share });
      });
    } else {
      let toTake = -amount;
      refs.forEach((ref, shard) => {
        const taken = Math.min(balances[shard] ?? 0, toTake);
        toTake -= taken;
        if (taken > 0) transaction.set(ref, { balance: (balances[shard] ?? 0) - taken });
      });
    }
    return Math.max(0, balances.reduce((sum, value) => sum + value, 0) + amount);
  });
  return { accountId: input.accountId, unlimited, balance };
}

export async function getCredits(principal: Principal, input: GetCreditsInput) {
  const accountId = await resolveAccountId(principal, input.accountId);
  const account = (await accountsCollection().doc(accountId).get()).data();
  if (!account) throw notFound('Account not found');
  return { accountId, unlimited: account.creditsUnlimited, balance: await creditBalance(accountId) };
}

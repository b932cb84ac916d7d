import { z } from 'zod';
import { collections, creditShardCount } from '../config/constants.js';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';

/** accounts/{accountId}/creditShards/{n}: the account's balance is the sum of the shards. */
export const creditShardDocument = z.object({ balance: z.number().int().min(0) });
export type CreditShardDocument = z.infer<typeof creditShardDocument>;

export const creditShardsCollection = (accountId: string) =>
  db().collection(collections.accounts).doc(accountId).collection(collections.creditShards).withConverter(schemaConverter(creditShardDocument));

export const creditShardRef = (accountId: string, shard: number) => creditShardsCollection(accountId).doc(String(shard));

export const allCreditShardRefs = (accountId: string) =>
  Array.from({ length: creditShardCount }, (_, shard) => creditShardRef(accountId, shard));

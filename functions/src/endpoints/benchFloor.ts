import { onRequest } from 'firebase-functions/v2/https';
import { Timestamp } from 'firebase-admin/firestore';
import { benchFloorEnabled } from '../config/settings.js';
import { db } from '../data/firestore.js';
import { ApiError } from '../domain/errors.js';
import { httpEndpoint } from '../http/endpoint.js';
import { clientFunctionOptions } from './options.js';

/**
 * The benchmark's floor: the same plumbing answering one document read and one write.
 * Inert (404) unless the runtime has KEYWARDEN_BENCH_FLOOR=1, which only `npm run bench` sets.
 */
export const benchFloor = onRequest(
  clientFunctionOptions,
  httpEndpoint({ name: 'benchFloor', methods: ['POST'], errorShape: 'rest' }, async (ctx) => {
    if (!benchFloorEnabled()) throw new ApiError('not_found', 'Not found');
    const ref = db().collection('benchFloor').doc(`doc-${Math.floor(Math.random() * 1000)}`);
    const snapshot = await ref.get();
    await ref.set({ at: Timestamp.now(), seen: snapshot.exists, requestId: ctx.requestId });
    return { body: { ok: true } };
  }),
);

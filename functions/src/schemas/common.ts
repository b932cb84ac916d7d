import { z } from 'zod';
import { limits } from '../config/constants.js';

/** Identifiers we mint: a type prefix, an underscore, base62. */
export const resourceId = z.string().regex(/^[a-z]{2,8}_[0-9A-Za-z]{8,40}$/, 'not a valid id');

/**
 * An identifier chosen outside Keywarden (an order id, a Stripe session id) that becomes part
 * of a Firestore document id: no `/`, not `.` or `..`, not `__x__` (reserved), bounded length.
 */
export const externalId = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((value) => !value.includes('/') && value !== '.' && value !== '..' && !/^__.*__$/.test(value), 'not a valid id');

/** A document id we minted elsewhere (Firestore auto-ids, `<eventId>~<webhookId>`): letters, digits, `_`, `-`, `~`. */
export const storedId = z.string().regex(/^[0-9A-Za-z_~-]{1,200}$/, 'not a valid id').refine((value) => !/^__.*__$/.test(value), 'not a valid id');

export const displayName = z.string().trim().min(1).max(limits.maxNameLength);

/** Query-string integers arrive as strings; bodies send numbers. Both are accepted. */
export const pageLimit = z.coerce.number().int().min(1).max(limits.maxPageSize).default(limits.defaultPageSize);
export const pageCursor = z.string().min(1).max(2048).optional();

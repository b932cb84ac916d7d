import { z } from 'zod';
import { limits } from '../config/constants.js';

/** Identifiers we mint: a type prefix, an underscore, base62. */
export const resourceId = z.string().regex(/^[a-z]{2,8}_[0-9A-Za-z]{8,40}$/, 'not a valid id');

export const displayName = z.string().trim().min(1).max(limits.maxNameLength);

/** Query-string integers arrive as strings; bodies send numbers. Both are accepted. */
export const pageLimit = z.coerce.number().int().min(1).max(limits.maxPageSize).default(limits.defaultPageSize);
export const pageCursor = z.string().min(1).max(2048).optional();

import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { limits } from '../config/constants.js';

export const timestamp = z.instanceof(Timestamp);

/** App and license variables: flat string/number/boolean values, bounded in count and size. */
export const variablesSchema = z
  .record(z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'variable names use letters, digits, _ . -'), z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= limits.maxVariables, `at most ${limits.maxVariables} variables`)
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= limits.maxVariablesBytes, `variables exceed ${limits.maxVariablesBytes} bytes`);
export type Variables = z.infer<typeof variablesSchema>;

export const isoDate = (value: Timestamp | null): string | null => (value ? value.toDate().toISOString() : null);

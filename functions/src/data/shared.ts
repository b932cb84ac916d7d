import { Timestamp } from 'firebase-admin/firestore';
import { z } from 'zod';
import { limits } from '../config/constants.js';

export const timestamp = z.instanceof(Timestamp);

/**
 * Firestore's naming rules (production refuses anything else with INVALID_ARGUMENT, which would
 * be a 500): every id a caller sends that reaches a document path, and every map key a caller
 * sends that becomes a field name, passes one of these two rules in its schema.
 */
const reservedName = /^__.*__$/;
const maxNameBytes = 1_500;

/** A document id: not empty, no `/`, not `.` or `..`, not `__…__` (reserved), at most 1,500 bytes. */
export const isDocumentId = (value: string): boolean =>
  value.length > 0 && !value.includes('/') && value !== '.' && value !== '..' && !reservedName.test(value) && Buffer.byteLength(value) <= maxNameBytes;

/** A field name (a map key): not empty, not `__…__` (reserved), at most 1,500 bytes. */
export const isFieldName = (value: string): boolean => value.length > 0 && !reservedName.test(value) && Buffer.byteLength(value) <= maxNameBytes;

/** The id rule as a schema check: `documentIdRule(z.string().max(64))`. */
export const documentIdRule = (schema: z.ZodString) => schema.refine(isDocumentId, 'not a valid id (no /, not . or .., not __…__)');

/** The field-name rule as a schema check. */
export const fieldNameRule = (schema: z.ZodString) => schema.refine(isFieldName, 'not a valid name (__…__ is reserved)');

/** App and license variables: flat string/number/boolean values, bounded in count and size. */
export const variablesSchema = z
  .record(fieldNameRule(z.string().min(1).max(64).regex(/^[A-Za-z0-9_.-]+$/, 'variable names use letters, digits, _ . -')), z.union([z.string().max(2048), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= limits.maxVariables, `at most ${limits.maxVariables} variables`)
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= limits.maxVariablesBytes, `variables exceed ${limits.maxVariablesBytes} bytes`);
export type Variables = z.infer<typeof variablesSchema>;

export const isoDate = (value: Timestamp | null): string | null => (value ? value.toDate().toISOString() : null);

/**
 * Usage meters' stored vocabulary (issue 20, Usage meters): a variant or license declares
 * meters (`meters: {"<name>": {limit, period}}`, at most `maxMetersPerLicense`); each
 * license-meter's count lives in one document of its own, `meters/{licenseKey}~{name}`, so
 * counting never writes the license (validate still reads and writes one document) and one
 * license's meters never contend with another's. Each increment's answer is kept under its
 * idempotency key (`meterIncrements/{licenseKey}~{name}~{sha256(idempotencyKey)}`), created in
 * the increment's own transaction, so a repeat answers the stored answer and counts nothing.
 */
import { z } from 'zod';
import { schemaConverter } from './converter.js';
import { db } from './firestore.js';
import { timestamp } from './shared.js';

export const maxMetersPerLicense = 10;
export const meterNamePattern = /^[a-z0-9_-]{1,40}$/;
export const meterName = z.string().regex(meterNamePattern, 'a meter name is 1–40 characters of a–z, 0–9, _ and -');
export const meterPeriods = ['none', 'month'] as const;
export const meterPeriod = z.enum(meterPeriods);
export type MeterPeriod = z.infer<typeof meterPeriod>;

/** The most one meter may count in a period. */
export const maxMeterLimit = 1_000_000_000;
/** One increment (or decrement) counts 1..1000. */
export const maxMeterAmount = 1_000;

/** One meter's declaration: its limit per period; `month` resets on the 1st, 00:00 UTC. */
export const meterDeclaration = z.object({
  limit: z.number().int().min(0).max(maxMeterLimit),
  period: meterPeriod.default('none'),
});
export type MeterDeclaration = z.infer<typeof meterDeclaration>;

/** A variant's or license's meters, by name (at most 10). */
export const meterDeclarations = z
  .record(meterName, meterDeclaration)
  .refine((meters) => Object.keys(meters).length <= maxMetersPerLicense, `at most ${maxMetersPerLicense} meters`);
export type MeterDeclarations = z.infer<typeof meterDeclarations>;
/** As stored on a variant or license (written before meters existed: none). */
export const storedMeterDeclarations = meterDeclarations.default({});

/** The thresholds that emit `license.meter_threshold`, in percent of the limit. */
export const meterThresholds = [80, 100] as const;

/**
 * meters/{licenseKey}~{name}: the count of one license-meter in its current period. `periodKey`
 * names the period `used` belongs to (`none`, or the UTC month `YYYY-MM`): a stored count of an
 * earlier month reads as 0, so the month resets with no job; `thresholdsSent` are the
 * thresholds already announced in that period.
 */
export const meterDocument = z.object({
  appId: z.string(),
  accountId: z.string(),
  licenseKey: z.string(),
  name: meterName,
  periodKey: z.string(),
  used: z.number().int().min(0),
  thresholdsSent: z.array(z.number().int()).default([]),
  updatedAt: timestamp,
});
export type MeterDocument = z.infer<typeof meterDocument>;

export const meterDocumentId = (licenseKey: string, name: string) => `${licenseKey}~${name}`;
/** The collection of license-meter counts (meters/{licenseKey}~{name}). */
export const metersCollectionName = 'meters';
export const metersCollection = () => db().collection(metersCollectionName).withConverter(schemaConverter(meterDocument));

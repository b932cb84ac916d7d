/** Usage meters' request and response shapes (README, Usage meters), for v1 and the OpenAPI document. */
import { z } from 'zod';
import { maxMeterAmount, meterDeclarations } from '../data/meters.js';

export const meterAmount = z.number().int().min(1).max(maxMeterAmount).describe(`1..${maxMeterAmount}`);
export const idempotencyKey = z.string().min(1).max(200).describe('Chosen by the caller: a repeat with the same key counts nothing and answers the stored answer');

export const v1MeterIncrementBody = z.strictObject({ amount: meterAmount, idempotencyKey });
export type MeterIncrementInput = z.infer<typeof v1MeterIncrementBody>;
export const v1MeterDecrementBody = z.strictObject({ amount: meterAmount });
export const v1LicenseMetersBody = z.strictObject({
  meters: meterDeclarations.describe('The license\'s meters by name ([a-z0-9_-]{1,40}, at most 10): {limit, period: none|month}; replaces the current declarations, the counts stay'),
});

export const meterReadingResponse = z.object({
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  resetsAt: z.string().nullable().describe('When a month meter resets (the 1st, 00:00 UTC); null for period none'),
});
export const meterViewResponse = meterReadingResponse.extend({ name: z.string(), period: z.enum(['none', 'month']) });
export const licenseMetersResponse = z.object({ licenseKey: z.string(), meters: z.array(meterViewResponse) });

import { z } from 'zod';
import { limits } from '../config/constants.js';
import { appAlias, displayName, externalId, resolvingAppAlias, resourceId } from './common.js';
import { hwid, isoDateTime } from './licenses.js';

/** seed 004 generic payment webhook body (stores other than Stripe). Idempotent by orderId. */
export const paymentWebhookInput = z
  .strictObject({
    orderId: externalId,
    ...appAlias,
    variantId: resourceId.optional(),
    quantity: z.number().int().min(1).max(limits.maxLicensesPerCreate).default(1),
    email: z.email().max(320).optional(),
    expiresAt: isoDateTime.nullable().optional(),
    maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots).optional(),
    unlimitedHwidSlots: z.boolean().optional(),
    label: z.string().max(limits.maxLabelLength).optional(),
  })
  .transform(resolvingAppAlias);
export type PaymentWebhookInput = z.infer<typeof paymentWebhookInput>;

export const discountCode = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -')
  .transform((code) => code.toUpperCase());

export const createDiscountCodeInput = z
  .strictObject({
    productId: resourceId,
    code: discountCode,
    kind: z.enum(['discount', 'trial']).default('discount'),
    percentOff: z.number().gt(0).max(100).optional(),
    amountOff: z.number().int().positive().optional(),
    currency: z.string().regex(/^[a-z]{3}$/).optional(),
    trialDays: z.number().int().min(1).max(365).optional(),
    variantId: resourceId.optional(),
    maxHwidSlots: z.number().int().min(limits.minHwidSlots).max(limits.maxHwidSlots).default(1),
    maxRedemptions: z.number().int().min(1).max(1_000_000).optional(),
    expiresAt: isoDateTime.optional(),
    name: displayName.optional(),
  })
  .refine((input) => input.kind !== 'trial' || input.trialDays !== undefined, { message: 'trial codes need trialDays', path: ['trialDays'] })
  .refine((input) => input.kind !== 'discount' || (input.percentOff !== undefined) !== (input.amountOff !== undefined), {
    message: 'discount codes need exactly one of percentOff or amountOff',
    path: ['percentOff'],
  })
  .refine((input) => input.amountOff === undefined || input.currency !== undefined, { message: 'amountOff needs a currency', path: ['currency'] });
export type CreateDiscountCodeInput = z.infer<typeof createDiscountCodeInput>;

export const listDiscountCodesInput = z.strictObject({ accountId: resourceId.optional(), productId: resourceId.optional() });
export type ListDiscountCodesInput = z.infer<typeof listDiscountCodesInput>;

export const updateDiscountCodeInput = z.strictObject({
  accountId: resourceId.optional(),
  code: discountCode,
  active: z.boolean().optional(),
  maxRedemptions: z.number().int().min(1).max(1_000_000).nullable().optional(),
  expiresAt: isoDateTime.nullable().optional(),
  percentOff: z.number().gt(0).max(100).optional(),
  amountOff: z.number().int().positive().optional(),
  trialDays: z.number().int().min(1).max(365).optional(),
});
export type UpdateDiscountCodeInput = z.infer<typeof updateDiscountCodeInput>;

export const deleteDiscountCodeInput = z.strictObject({ accountId: resourceId.optional(), code: discountCode });
export type DeleteDiscountCodeInput = z.infer<typeof deleteDiscountCodeInput>;

export const redeemTrialCodeInput = z
  .strictObject({ accountId: resourceId.optional(), code: discountCode, hwid: hwid.optional(), email: z.email().max(320).optional() })
  .refine((input) => input.hwid !== undefined || input.email !== undefined, { message: 'hwid or email is required', path: ['hwid'] });
export type RedeemTrialCodeInput = z.infer<typeof redeemTrialCodeInput>;

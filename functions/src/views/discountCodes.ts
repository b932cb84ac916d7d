/** What callers see of a discount or trial code. */
import type { z } from 'zod';
import type { DiscountCodeDocument } from '../data/commerce.js';
import type { discountCodeResponse } from '../schemas/console.js';
import { isoDate } from '../data/shared.js';

export function codeView(code: DiscountCodeDocument): z.infer<typeof discountCodeResponse> {
  return {
    code: code.code,
    productId: code.appId,
    kind: code.kind,
    percentOff: code.percentOff,
    amountOff: code.amountOff,
    currency: code.currency,
    trialDays: code.trialDays,
    variantId: code.variantId,
    maxHwidSlots: code.maxHwidSlots,
    maxRedemptions: code.maxRedemptions,
    redemptions: code.redemptions,
    expiresAt: isoDate(code.expiresAt),
    active: code.active,
    createdAt: isoDate(code.createdAt),
  };
}

/** What callers see of a product (an app) and its variants: ISO dates, status, never secrets. */
import type { z } from 'zod';
import type { AppDocument } from '../data/apps.js';
import type { appResponse, variantResponse } from '../schemas/console.js';
import { isoDate } from '../data/shared.js';
import type { VariantDocument } from '../data/variants.js';
import { publishedKeyView, publishedSigningKeys } from './signingKeys.js';
import { portalSettingsView } from './portal.js';

export function productView(appId: string, app: AppDocument): z.infer<typeof appResponse> {
  return {
    productId: appId,
    appId,
    accountId: app.accountId,
    name: app.name,
    slug: app.slug,
    description: app.description,
    status: app.disabled ? 'disabled' : 'active',
    variables: app.variables,
    settings: app.settings,
    portal: portalSettingsView(app),
    activeSigningKeyId: app.activeSigningKeyId,
    // The published key set, the active key first (views/signingKeys.ts).
    publicKeys: publishedSigningKeys(app).map((key) => publishedKeyView(app, key)),
    createdAt: isoDate(app.createdAt),
    updatedAt: isoDate(app.updatedAt),
  };
}

export function variantView(variantId: string, variant: VariantDocument): z.infer<typeof variantResponse> {
  return {
    variantId,
    productId: variant.appId,
    name: variant.name,
    maxHwidSlots: variant.maxHwidSlots,
    unlimitedHwidSlots: variant.unlimitedHwidSlots,
    durationDays: variant.durationDays,
    floating: variant.floating,
    heartbeatTimeoutSeconds: variant.heartbeatTimeoutSeconds,
    variables: variant.variables,
    expirationStrategy: variant.expirationStrategy,
    gracePeriodDays: variant.gracePeriodDays,
    expirationBasis: variant.expirationBasis,
    renewalBasis: variant.renewalBasis,
    entitlements: variant.entitlements,
    meters: variant.meters ?? {},
    status: variant.disabled ? 'disabled' : 'active',
    createdAt: isoDate(variant.createdAt),
  };
}

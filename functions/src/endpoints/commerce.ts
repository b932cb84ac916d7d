import Stripe from 'stripe';
import { onRequest } from 'firebase-functions/v2/https';
import { limits } from '../config/constants.js';
import { paymentWebhookSecret, stripeWebhookSecret } from '../config/secrets.js';
import { throttledAuthentication } from '../services/access/credentialGuesses.js';
import { httpEndpoint } from '../http/endpoint.js';
import { ApiError } from '../domain/errors.js';
import { parseInput } from '../http/validation.js';
import {
  createDiscountCodeInput,
  deleteDiscountCodeInput,
  listDiscountCodesInput,
  paymentWebhookInput,
  redeemTrialCodeInput,
  updateDiscountCodeInput,
} from '../schemas/commerce.js';
import * as discountCodes from '../services/commerce/discountCodes.js';
import { assertPaymentIntake, fulfilPaymentOrder } from '../services/commerce/paymentOrders.js';
import { applyStripeEvent, stripeEventEnvelope } from '../services/commerce/stripeCommerce.js';
import { adminChange, adminRead } from './adminFunction.js';
import { paymentWebhookOptions, stripeWebhookOptions } from './options.js';

/**
 * Stripe webhook endpoint: verifies Stripe-Signature over the raw body with the endpoint
 * secret; a missing or bad signature answers 400 and writes nothing.
 */
export const stripeWebhook = onRequest(
  stripeWebhookOptions,
  httpEndpoint({ name: 'stripeWebhook', methods: ['POST'], errorShape: 'rest', rawBody: true, maxBodyBytes: limits.maxParsedBodyBytes }, async (ctx) => {
    const signature = ctx.header('stripe-signature');
    if (!signature) throw new ApiError('bad_request', 'Missing Stripe-Signature header');
    let verified: unknown;
    try {
      verified = Stripe.webhooks.constructEvent(ctx.rawBody, signature, stripeWebhookSecret.value());
    } catch {
      throw new ApiError('bad_request', 'Invalid Stripe signature');
    }
    const event = parseInput(stripeEventEnvelope, verified, 'Stripe event');
    const result = await applyStripeEvent(event);
    ctx.log.info('stripe event', { stripeEventId: event.id, type: event.type, outcome: result.outcome, duplicate: result.duplicate });
    return { body: { received: true, ...result } };
  }),
);

/**
 * seed 004's generic payment webhook, guarded by the x-webhook-secret header: the product's own
 * payment secret (or, on a single-tenant deployment, PAYMENT_WEBHOOK_SECRET); idempotent by orderId.
 */
export const paymentWebhook = onRequest(
  paymentWebhookOptions,
  httpEndpoint({ name: 'paymentWebhook', methods: ['POST'], errorShape: 'success' }, async (ctx) => {
    const input = parseInput(paymentWebhookInput, ctx.body);
    await throttledAuthentication(ctx.ip, ctx.log, () => assertPaymentIntake(input.appId, ctx.header('x-webhook-secret'), paymentWebhookSecret.value()));
    const result = await fulfilPaymentOrder(input);
    return { body: { success: true, ...result } };
  }),
);

export const createDiscountCode = adminChange('createDiscountCode', createDiscountCodeInput, discountCodes.createDiscountCode);
export const listDiscountCodes = adminRead('listDiscountCodes', listDiscountCodesInput, discountCodes.listDiscountCodes);
export const updateDiscountCode = adminChange('updateDiscountCode', updateDiscountCodeInput, discountCodes.updateDiscountCode);
export const deleteDiscountCode = adminChange('deleteDiscountCode', deleteDiscountCodeInput, discountCodes.deleteDiscountCode);
export const redeemTrialCode = adminChange('redeemTrialCode', redeemTrialCodeInput, discountCodes.redeemTrialCode);

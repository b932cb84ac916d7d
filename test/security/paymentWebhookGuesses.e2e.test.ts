/**
 * Issue 21: README, Security, "Failed guesses": after 20 failed credential checks from one IP
 * within 10 minutes, `paymentWebhook` answers that IP 429 `rate_limited` (with Retry-After)
 * without checking its credentials, so even the product's real payment secret is refused and
 * nothing is written; another IP is not affected. Real HTTP to the built functions; the caller's
 * address is the X-Forwarded-For entry (no front end locally), one of its own per run.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createProduct } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { call, type JsonResponse } from '../support/http.js';

/** README's count: the 21st call from the IP is the first refused unchecked. */
const documentedFailures = 20;

/** An IPv6 /64 of its own (documentation range), so no other file's guesses count with these. */
const hex16 = () => Math.floor(Math.random() * 0xffff).toString(16);
const ownAddress = () => `2001:db8:${hex16()}:${hex16()}::21`;

const paymentOrder = (ip: string, secret: string | undefined, productId: string, orderId: string): Promise<JsonResponse> =>
  call('paymentWebhook', {
    headers: { 'X-Forwarded-For': ip, ...(secret === undefined ? {} : { 'x-webhook-secret': secret }) },
    body: { orderId, productId, quantity: 1 },
  });

describe('paymentWebhook failed guesses', () => {
  it('20 wrong or missing secrets from one IP, then 429 even with the real secret, nothing written; another IP is served', async () => {
    const account = await createAccount();
    const { productId } = await createProduct(account);
    const issued = await call('updateProduct', { headers: { 'X-API-Key': account.apiKey }, body: { productId, rotatePaymentSecret: true } });
    expect(issued.status, issued.text).toBe(200);
    const realSecret = String(issued.body.paymentSecret);
    const guesser = ownAddress();

    const guessStatuses: number[] = [];
    for (let index = 0; index < documentedFailures; index += 1) {
      // Wrong secrets, and a missing header every fifth call: both are failed credential checks.
      const guess = index % 5 === 4 ? undefined : `pws_${randomUUID().replaceAll('-', '')}`;
      guessStatuses.push((await paymentOrder(guesser, guess, productId, `guess-${index}`)).status);
    }
    expect(guessStatuses).toEqual(Array(documentedFailures).fill(401));

    const throttledOrder = `order-${randomUUID()}`;
    const throttled = await paymentOrder(guesser, realSecret, productId, throttledOrder);
    expect(throttled.status, throttled.text).toBe(429);
    expect(throttled.body).toMatchObject({ success: false, code: 'rate_limited' });
    const retryAfter = Number(throttled.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Still throttled, and still unchecked: a wrong secret gets the same 429, not a 401.
    expect((await paymentOrder(guesser, 'pws_wrong', productId, `guess-${documentedFailures}`)).status).toBe(429);

    expect((await testDb().collection('paymentOrders').doc(`${productId}~${throttledOrder}`).get()).exists).toBe(false);
    expect((await testDb().collection('licenses').where('appId', '==', productId).get()).size).toBe(0);

    // The throttle is the guessing IP's, not the product's: another caller with the real secret is served.
    const served = await paymentOrder(ownAddress(), realSecret, productId, throttledOrder);
    expect(served.status, served.text).toBe(200);
    expect(served.body).toMatchObject({ success: true, duplicate: false });
    expect((await testDb().collection('licenses').where('appId', '==', productId).get()).size).toBe(1);
  });
});

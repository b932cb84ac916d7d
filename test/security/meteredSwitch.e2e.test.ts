/**
 * Issue 21 item 9: switching an account between metered and unlimited (`grantCredits
 * {unlimited}`) must not race `createProduct`: an app created while the switch runs must end up
 * with the account's mode, or it would stay unmetered (free validates) for good. Products are
 * created without pause while the operator switches the account to metered (its first commit
 * failing for a moment, as in an outage); afterwards every app carries the account's mode, and
 * the last app made costs credits.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAccount, createLicenses, uniqueHwid, type Account } from '../support/fixtures.js';
import { testDb } from '../support/firestore.js';
import { clearFaults, injectFaults } from '../support/faults.js';
import { adminSecret, call } from '../support/http.js';
import { sdkValidate } from '../licensing/sdkSupport.js';

const grant = (account: Account, body: Record<string, unknown>) => call('grantCredits', { headers: { 'X-Admin-Secret': adminSecret() }, body: { accountId: account.accountId, ...body } });

describe('the metered switch and product creation', () => {
  it('products created while the account is switched to metered all end metered', async () => {
    const account = await createAccount();
    let switching = true;
    const created: Array<{ productId: string; appSecret: string }> = [];
    const creators = Array.from({ length: 4 }, async () => {
      // Bounded: stops when the switch is done, or after 100 products per worker.
      for (let index = 0; switching && index < 100; index += 1) {
        const answer = await call('createProduct', { headers: { 'X-API-Key': account.apiKey }, body: { name: `Race ${randomUUID().slice(0, 8)}` } });
        expect([200, 503], answer.text).toContain(answer.status);
        if (answer.status === 200) created.push({ productId: (answer.body.product as { productId: string }).productId, appSecret: String(answer.body.appSecret) });
      }
    });
    try {
      // Let products start arriving, then switch once while its first commit fails for a while:
      // a commit that does not land at once (an outage, contention) widens the window between the
      // switch reading the account's apps and its writes, as production can.
      await expect.poll(() => created.length, { timeout: 30_000 }).toBeGreaterThan(2);
      await injectFaults({ operation: 'commit', code: 'UNAVAILABLE', count: 3, pathPrefix: `accounts/${account.accountId}` });
      const switched = await grant(account, { unlimited: false });
      expect(switched.status, switched.text).toBe(200);
      // A few products more after the switch, then stop.
      const after = created.length;
      await expect.poll(() => created.length, { timeout: 30_000 }).toBeGreaterThan(after + 2);
    } finally {
      switching = false;
      await Promise.all(creators);
      await clearFaults();
    }
    expect(created.length).toBeGreaterThan(0);
    const stored = await testDb().collection('apps').where('accountId', '==', account.accountId).get();
    const accountMode = (await testDb().collection('accounts').doc(account.accountId).get()).get('creditsUnlimited');
    expect(accountMode).toBe(false);
    const unmetered = stored.docs.filter((doc) => doc.get('creditsUnlimited') !== false).map((doc) => doc.id);
    expect(unmetered, `${unmetered.length} of ${stored.size} apps stayed unlimited`).toEqual([]);

    // A product created last is metered: with no credits its validate is refused no_credits.
    const product = created.at(-1)!;
    const [key] = await createLicenses(account, product.productId);
    const refused = await sdkValidate({ productId: product.productId, appSecret: product.appSecret, publicKeys: [] }, key!, uniqueHwid());
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body.error).toBe('no_credits');
  });
});

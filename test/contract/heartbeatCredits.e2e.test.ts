/**
 * README, SDK protocol: on a metered account an SDK validate costs one credit and a heartbeat
 * one credit with probability 1/10 (one per ten on average); failed calls cost nothing.
 * 200 devices of one unlimited-seat license validate, then heartbeat once each: the validates
 * take exactly 200 credits and the heartbeats a binomial(200, 1/10) number of them (mean 20;
 * 3 to 50 holds with probability above 1 - 10^-5, so a heartbeat that always or never pays fails).
 */
import { describe, expect, it } from 'vitest';
import { createAccount, createLicenses, createProduct, grantCredits, uniqueHwid, uniqueNonce } from '../support/fixtures.js';
import { creditBalance, expectSession, sdk, sdkValidate } from '../licensing/sdkSupport.js';

const devices = 200;

describe('credits for heartbeats', () => {
  it('a heartbeat costs one credit in ten on average, a validate always one, a refused call none', async () => {
    const account = await createAccount();
    const granted = 10_000;
    await grantCredits(account.accountId, granted);
    const product = await createProduct(account, { settings: { validatesPerLicensePerMinute: 10_000, validatesPerIpPerMinute: 100_000 } });
    const [licenseKey] = await createLicenses(account, product.productId, { unlimitedHwidSlots: true });
    const hwids = Array.from({ length: devices }, () => uniqueHwid());

    const sessions: string[] = [];
    for (let start = 0; start < devices; start += 25) {
      const batch = await Promise.all(hwids.slice(start, start + 25).map((hwid) => sdkValidate(product, String(licenseKey), hwid)));
      for (const response of batch) sessions.push((await expectSession(product, response)).sessionToken);
    }
    expect(await creditBalance(account)).toBe(granted - devices);

    // A refused call (wrong app secret) costs nothing.
    const refused = await sdkValidate({ ...product, appSecret: 'as_wrong' }, String(licenseKey), hwids[0] ?? '');
    expect(refused.status).toBe(401);
    expect(await creditBalance(account)).toBe(granted - devices);

    for (let start = 0; start < devices; start += 25) {
      const batch = await Promise.all(
        hwids.slice(start, start + 25).map((hwid, i) =>
          sdk('/heartbeat', { appId: product.productId, sessionToken: sessions[start + i], nonce: uniqueNonce(), hwid }),
        ),
      );
      for (const response of batch) expect(response.status, response.text).toBe(200);
    }
    const spentOnHeartbeats = granted - devices - (await creditBalance(account));
    expect(spentOnHeartbeats).toBeGreaterThanOrEqual(3);
    expect(spentOnHeartbeats).toBeLessThanOrEqual(50);
  }, 120_000);
});

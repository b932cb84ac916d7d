/**
 * A delivery attempt has one deadline, and the DNS lookup is inside it: a resolver that never
 * answers ends the attempt as a timeout (a failed attempt the retry schedule handles) instead of
 * holding the delivery, and the scheduled run carrying it, forever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { postToWebhook, useHostResolver, vettedTarget } from '../../../../functions/src/services/webhooks/webhookTargets.js';

afterEach(() => useHostResolver(undefined));

describe('webhook attempt deadline', () => {
  it('ends an attempt whose DNS lookup never answers as a timeout, within the deadline', async () => {
    let lookups = 0;
    useHostResolver(() => {
      lookups += 1;
      return new Promise(() => undefined);
    });
    const started = performance.now();
    await expect(postToWebhook('https://hooks.vendor.test/hook', { 'Content-Type': 'application/json' }, '{}', { timeoutMs: 300, keepBytes: 512 }))
      .rejects.toThrow(/^timed out after 0\.3 s$/);
    const elapsed = performance.now() - started;
    expect(lookups).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    // Generous for a loaded machine, far below "never".
    expect(elapsed).toBeLessThan(5_000);
  });

  it('gives the lookup the whole deadline: an answer before it is used', async () => {
    useHostResolver(() => new Promise((resolve) => setTimeout(() => resolve([{ address: '93.184.216.34', family: 4 }]), 50)));
    await expect(vettedTarget(new URL('https://hooks.vendor.test/hook'), AbortSignal.timeout(5_000))).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('keeps a lookup that fails on its own as that failure, not a timeout', async () => {
    useHostResolver(() => Promise.reject(new Error('getaddrinfo ENOTFOUND hooks.vendor.test')));
    await expect(postToWebhook('https://hooks.vendor.test/hook', {}, '{}', { timeoutMs: 5_000, keepBytes: 512 })).rejects.toThrow(/ENOTFOUND/);
  });
});

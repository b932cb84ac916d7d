/**
 * Issue 11, items 2 and 10: webhook egress connects only to the address it vetted (DNS answers
 * that change between lookups cannot redirect it), refuses every non-global-unicast address and
 * plain http outside the local stack, and reads at most 512 bytes of a receiver that streams
 * hundreds of megabytes. Webhooks are configured over HTTP (v1); the deployed trigger runs
 * in-process (firebase-functions-test), with the resolver injected through webhookTargets.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isGlobalUnicast, useHostResolver } from '../../functions/src/services/webhooks/webhookTargets.js';
import { createAccount, createProduct } from '../support/fixtures.js';
import { Timestamp } from 'firebase-admin/firestore';
import { testDb } from '../support/firestore.js';
import { createWebhook, eventsOfApp, getDelivery, runDeliverEvents, runRetryWebhookDeliveries, v1 } from '../webhooks/support.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});
afterEach(() => {
  useHostResolver(undefined);
  process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS = '1';
});

async function listen(host: string, port: number, handler: Parameters<typeof createServer>[1]): Promise<{ port: number; hits: number[] }> {
  const hits: number[] = [];
  const server = createServer((req, res) => {
    hits.push(Date.now());
    handler?.(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return { port: (server.address() as AddressInfo).port, hits };
}

/** Creates a webhook and a license.created event, runs the trigger, answers the delivery's one attempt. */
async function deliverOnce(url: string) {
  const account = await createAccount();
  const product = await createProduct(account);
  const hook = await createWebhook(account, product.productId, url, ['test.ping']);
  expect((await v1(account, 'POST', `/apps/${product.productId}/webhooks/${hook.webhook.webhookId}/test`)).status).toBe(202);
  const [event] = (await eventsOfApp(product.productId)).filter((entry) => entry.type === 'test.ping');
  await runDeliverEvents(event!);
  const detail = await getDelivery(account, product.productId, hook.webhook.webhookId, `${event!.id}~${hook.webhook.webhookId}`);
  return detail;
}

describe('webhook egress', () => {
  it('connects to the address it vetted: a second, different DNS answer is never used', async () => {
    const vetted = await listen('127.0.0.1', 0, (_req, res) => res.end('ok'));
    const rebound = await listen('127.0.0.2', vetted.port, (_req, res) => res.end('rebound'));
    let lookups = 0;
    useHostResolver(async () => {
      lookups += 1;
      return [{ address: lookups === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    });
    const detail = await deliverOnce(`http://hooks.vendor.test:${vetted.port}/hook`);
    expect(detail.attempts[0]).toMatchObject({ statusCode: 200, responseSnippet: 'ok' });
    expect(lookups).toBe(1);
    expect(vetted.hits).toHaveLength(1);
    expect(rebound.hits).toHaveLength(0);
  });

  it('outside the local stack, a host resolving to a non-global address is refused without connecting', async () => {
    delete process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS;
    const receiver = await listen('127.0.0.1', 0, (_req, res) => res.end('ok'));
    useHostResolver(async () => [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }]);
    const refused = await deliverOnce(`https://hooks.vendor.test:${receiver.port}/hook`);
    expect(refused.attempts[0]).toMatchObject({ statusCode: null });
    expect(refused.attempts[0]!.error).toMatch(/not global unicast/);
    const plain = await deliverOnce(`http://hooks.vendor.test:${receiver.port}/hook`);
    expect(plain.attempts[0]!.error).toMatch(/must use https/);
    expect(receiver.hits).toHaveLength(0);
  });

  it('a DNS lookup that never answers ends the attempt as a failed attempt within its 10 s deadline, retried later', async () => {
    useHostResolver(() => new Promise(() => undefined));
    const account = await createAccount();
    const product = await createProduct(account);
    const hook = await createWebhook(account, product.productId, 'https://hooks.vendor.test/hook', ['test.ping']);
    expect((await v1(account, 'POST', `/apps/${product.productId}/webhooks/${hook.webhook.webhookId}/test`)).status).toBe(202);
    const [event] = (await eventsOfApp(product.productId)).filter((entry) => entry.type === 'test.ping');
    const started = Date.now();
    await runDeliverEvents(event!);
    // A lookup outside the deadline would never have ended; 10 s plus a loaded machine's slack.
    expect(Date.now() - started).toBeLessThan(30_000);
    const detail = await getDelivery(account, product.productId, hook.webhook.webhookId, `${event!.id}~${hook.webhook.webhookId}`);
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ statusCode: null, error: 'timed out after 10 s' });
    expect(detail.delivery).toMatchObject({ status: 'pending', attempts: 1 });
    // Leave nothing for another file's scheduled retry run to attempt.
    expect((await v1(account, 'PUT', `/apps/${product.productId}/webhooks/${hook.webhook.webhookId}`, { active: false })).status).toBe(200);
  }, 90_000);

  it('refuses every non-global-unicast range, including NAT64, 6to4, 192.0.0.0/24, 240.0.0.0/4 and multicast', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '100.64.0.1', '169.254.169.254', '172.16.0.1', '192.168.1.1', '192.0.0.8', '192.0.2.1',
      '198.18.0.1', '198.51.100.1', '203.0.113.1', '224.0.0.1', '239.1.1.1', '240.0.0.1', '255.255.255.255', '0.0.0.0', '::1', '::',
      '::ffff:127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', '2001::1', '2001:db8::1', 'fc00::1', 'fe80::1', 'ff02::1']) {
      expect(isGlobalUnicast(address), address).toBe(false);
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isGlobalUnicast(address), address).toBe(true);
  });

  it('an attempt is counted when claimed: a delivery whose sender died is retried on the backoff, then failed after the window', async () => {
    const receiver = await listen('127.0.0.1', 0, (_req, res) => res.end('ok'));
    const account = await createAccount();
    const product = await createProduct(account);
    const hook = await createWebhook(account, product.productId, `http://127.0.0.1:${receiver.port}/hook`, ['test.ping']);
    await v1(account, 'POST', `/apps/${product.productId}/webhooks/${hook.webhook.webhookId}/test`);
    const [event] = (await eventsOfApp(product.productId)).filter((entry) => entry.type === 'test.ping');
    const id = `${event!.id}~${hook.webhook.webhookId}`;
    // A sender that claimed the delivery and died (the process was killed mid-send), 73 h ago.
    const createdAt = Timestamp.fromMillis(Date.now() - 73 * 3_600_000);
    await testDb().collection('deliveries').doc(id).set({
      eventId: event!.id, webhookId: hook.webhook.webhookId, appId: product.productId, accountId: account.accountId, eventType: 'test.ping',
      body: '{}', status: 'delivering', attempts: 7, nextAttemptAt: Timestamp.fromMillis(Date.now() - 1_000), lastAttemptAt: null,
      lastStatusCode: null, lastError: null, deliveredAt: null, createdAt, expireAt: Timestamp.fromMillis(Date.now() + 86_400_000),
    });
    await runRetryWebhookDeliveries();
    const stored = (await testDb().collection('deliveries').doc(id).get()).data()!;
    expect(stored.status).toBe('failed');
    expect(receiver.hits).toHaveLength(0);
  });

  it('a receiver streaming hundreds of MB costs 512 bytes: the attempt is recorded, the rest never read', async () => {
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const receiver = await listen('127.0.0.1', 0, (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const pump = () => {
        while (written < 400 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => undefined);
      pump();
    });
    const before = process.memoryUsage().rss;
    const detail = await deliverOnce(`http://127.0.0.1:${receiver.port}/hook`);
    expect(detail.attempts[0]).toMatchObject({ statusCode: 500 });
    expect(detail.attempts[0]!.responseSnippet).toHaveLength(512);
    expect(detail.delivery.attempts).toBe(1);
    expect(written).toBeLessThan(50 * 1024 * 1024);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });
});

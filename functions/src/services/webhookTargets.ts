/**
 * Webhook egress: the one place that decides where a delivery may connect, and connects there.
 * The host is resolved once; every address it resolves to must be global unicast; the request
 * then goes to the address that was vetted (the socket's lookup answers it), so a DNS answer
 * that changes between a check and a connect (rebinding) cannot reach a private network.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** IPv4 ranges that are not global unicast (IANA special-purpose registry, multicast, reserved). */
const nonGlobalV4 = new BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['192.175.48.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) nonGlobalV4.addSubnet(address, prefix, 'ipv4');

/** IPv6 global unicast is 2000::/3; inside it, these are special-purpose (Teredo, 6to4, documentation, ORCHID…). */
const globalV6 = new BlockList();
globalV6.addSubnet('2000::', 3, 'ipv6');
const nonGlobalV6 = new BlockList();
for (const [address, prefix] of [['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20]] as const) nonGlobalV6.addSubnet(address, prefix, 'ipv6');

/** True only for a global unicast address: the only kind a production webhook may reach. */
export function isGlobalUnicast(address: string): boolean {
  const lower = address.toLowerCase();
  const mapped = lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
  const family = isIP(mapped);
  if (family === 4) return !nonGlobalV4.check(mapped, 'ipv4');
  if (family === 6) return globalV6.check(mapped, 'ipv6') && !nonGlobalV6.check(mapped, 'ipv6');
  return false;
}

/**
 * Private targets and plain http are allowed only where the functions run beside the receiver:
 * the Functions emulator, the local stack, and tests (KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS=1).
 */
export const privateTargetsAllowed = () => process.env.FUNCTIONS_EMULATOR === 'true' || process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS === '1';

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

const systemResolver: HostResolver = async (host) => (await dnsLookup(host, { all: true })).map(({ address, family }) => ({ address, family }));
let resolver: HostResolver = systemResolver;

/** Replaces the DNS resolver (tests: answers that change between lookups); undefined restores the system's. */
export function useHostResolver(next: HostResolver | undefined): void {
  resolver = next ?? systemResolver;
}

/** Resolves the webhook's host once and vets it; the answer is the address to connect to. */
export async function vettedTarget(url: URL): Promise<ResolvedAddress> {
  const relaxed = privateTargetsAllowed();
  if (url.protocol !== 'https:' && !(relaxed && url.protocol === 'http:')) throw new Error(`refused: webhooks must use https (${url.protocol} given)`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await resolver(host);
  const chosen = addresses[0];
  if (!chosen) throw new Error(`refused: ${host} does not resolve`);
  if (!relaxed && addresses.some((entry) => !isGlobalUnicast(entry.address))) {
    throw new Error(`refused: ${host} resolves to an address that is not global unicast`);
  }
  return chosen;
}

export interface WebhookResponse {
  statusCode: number;
  /** At most `keepBytes` bytes of the body, decoded as UTF-8; the rest is never read. */
  snippet: string;
}

/**
 * POSTs `body` to the vetted address of `url` (TLS still checks the certificate against the
 * host name), keeps at most `keepBytes` of the answer and closes the connection: a receiver
 * streaming hundreds of megabytes costs `keepBytes` of memory. No redirects are followed.
 */
export async function postToWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; keepBytes: number },
): Promise<WebhookResponse> {
  const target = new URL(url);
  const vetted = await vettedTarget(target);
  const pinnedLookup: LookupFunction = (_host, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: vetted.address, family: vetted.family }]);
    else callback(null, vetted.address, vetted.family);
  };
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WebhookResponse>((resolve, reject) => {
    const request = send(target, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      lookup: pinnedLookup,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    request.on('error', (error) => reject(error.name === 'AbortError' ? new Error(`timed out after ${options.timeoutMs / 1000} s`) : error));
    request.on('response', (response: IncomingMessage) => {
      const kept: Buffer[] = [];
      let size = 0;
      const finish = () => {
        response.removeAllListeners('data');
        resolve({ statusCode: response.statusCode ?? 0, snippet: Buffer.concat(kept).subarray(0, options.keepBytes).toString('utf8') });
      };
      response.on('data', (chunk: Buffer) => {
        kept.push(chunk);
        size += chunk.length;
        if (size >= options.keepBytes) {
          finish();
          response.destroy();
          request.destroy();
        }
      });
      response.on('end', finish);
      response.on('error', finish);
    });
    request.end(body);
  });
}

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
import { privateWebhookTargetsAllowed } from '../../config/settings.js';

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


/** Link-local (169.254.0.0/16, fe80::/10, IPv4-mapped too): where cloud metadata servers answer. */
const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');
const metadataHostNames = new Set(['metadata', 'metadata.google.internal']);

/**
 * The one rule for where a webhook may point, applied when a URL is saved (to its host) and
 * before each delivery (to every address the host resolves to). Cloud metadata hosts and
 * link-local addresses are refused everywhere, the local stack included; any other address that
 * is not global unicast is refused unless private targets are allowed (the local stack). A host
 * name is judged by its addresses (refusedWebhookUrl when saved, vettedTarget at each attempt).
 * Answers why a host is refused, or undefined.
 */
export function refusedWebhookHost(host: string, relaxed = privateWebhookTargetsAllowed()): string | undefined {
  let name = host.toLowerCase().replace(/^\[|\]$/g, '');
  while (name.endsWith('.')) name = name.slice(0, -1);
  if (metadataHostNames.has(name)) return `${name} is a cloud metadata host`;
  const family = isIP(name);
  if (!family) return undefined;
  if (linkLocal.check(name, family === 4 ? 'ipv4' : 'ipv6')) return `${name} is link-local`;
  if (!relaxed && !isGlobalUnicast(name)) return `${name} is not global unicast`;
  return undefined;
}

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

/**
 * A lookup cannot be cancelled, but the attempt must not wait for it past its deadline: a
 * resolver that never answers loses the race to the signal (the lookup finishes in the background).
 */
function beforeDeadline<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const abandon = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) return abandon();
    signal.addEventListener('abort', abandon, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
  });
}

/** Plain http only where private targets are allowed (the local stack); https everywhere. */
function refusedScheme(url: URL, relaxed: boolean): string | undefined {
  return url.protocol === 'https:' || (relaxed && url.protocol === 'http:') ? undefined : `webhooks must use https (${url.protocol} given)`;
}

/**
 * The same rule when a webhook's URL is saved, so a vendor learns of a refused target then and
 * not from failed deliveries: its scheme, its host, and every address the host resolves to now.
 * A host that does not resolve now (or not before `deadline`) is accepted: each attempt resolves
 * it again and refuses it then. Answers why the URL is refused, or undefined.
 */
export async function refusedWebhookUrl(url: URL, deadline: AbortSignal): Promise<string | undefined> {
  const relaxed = privateWebhookTargetsAllowed();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const named = refusedScheme(url, relaxed) ?? refusedWebhookHost(host, relaxed);
  if (named || isIP(host)) return named;
  let addresses: ResolvedAddress[];
  try {
    addresses = await beforeDeadline(resolver(host), deadline);
  } catch {
    return undefined;
  }
  const refusal = addresses.map((entry) => refusedWebhookHost(entry.address, relaxed)).find((reason) => reason !== undefined);
  return refusal && `${host} resolves to an address that is not allowed (${refusal})`;
}

/**
 * Resolves the webhook's host once and vets it; the answer is the address to connect to.
 * `deadline` (the attempt's) bounds the lookup too.
 */
export async function vettedTarget(url: URL, deadline?: AbortSignal): Promise<ResolvedAddress> {
  const relaxed = privateWebhookTargetsAllowed();
  const badScheme = refusedScheme(url, relaxed);
  if (badScheme) throw new Error(`refused: ${badScheme}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  const addresses = family ? [{ address: host, family }] : await beforeDeadline(resolver(host), deadline);
  const chosen = addresses[0];
  if (!chosen) throw new Error(`refused: ${host} does not resolve`);
  const refusal = addresses.map((entry) => refusedWebhookHost(entry.address, relaxed)).find((reason) => reason !== undefined);
  if (refusal) throw new Error(`refused: ${host} resolves to an address that is not global unicast (${refusal})`);
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
  // One deadline for the whole attempt: the DNS lookup, the connection and the answer.
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const timedOut = new Error(`timed out after ${options.timeoutMs / 1000} s`);
  let vetted: ResolvedAddress;
  try {
    vetted = await vettedTarget(target, deadline);
  } catch (error) {
    throw deadline.aborted ? timedOut : error;
  }
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
      signal: deadline,
    });
    request.on('error', (error) => reject(error.name === 'AbortError' ? timedOut : error));
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

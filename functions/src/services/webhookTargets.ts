import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses a webhook must never reach in production: loopback, private, link-local, metadata. */
const privateRanges = new BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15],
] as const) privateRanges.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [['::1', 128], ['::', 128], ['fc00::', 7], ['fe80::', 10]] as const) privateRanges.addSubnet(address, prefix, 'ipv6');

function isPrivate(address: string): boolean {
  const mapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(mapped);
  return family === 0 || privateRanges.check(mapped, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Private targets are allowed only where the functions run beside the receiver: the Functions
 * emulator, the local stack, and tests (KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS=1).
 */
export const privateTargetsAllowed = () => process.env.FUNCTIONS_EMULATOR === 'true' || process.env.KEYWARDEN_ALLOW_PRIVATE_WEBHOOKS === '1';

/** Resolves the webhook's host and refuses private addresses (checked at every attempt, not only when saved). */
export async function assertDeliverableTarget(url: string): Promise<void> {
  if (privateTargetsAllowed()) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  if (addresses.length === 0 || addresses.some(isPrivate)) {
    throw new Error(`refused: ${host} resolves to a private or local address`);
  }
}

import { BlockList, isIP } from 'node:net';
import type { SecurityLists } from '../../data/apps.js';
import { ApiError } from '../../domain/errors.js';

/** An IP list entry is an address or a CIDR range (IPv4 or IPv6). */
export function ipEntryValid(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (!address || extra !== undefined) return false;
  const family = isIP(address);
  if (!family) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits >= 0 && bits <= (family === 4 ? 32 : 128);
}

const blockListCache = new Map<string, BlockList>();

function blockList(entries: string[]): BlockList {
  const cacheKey = entries.join(',');
  let list = blockListCache.get(cacheKey);
  if (list) return list;
  list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = address ? isIP(address) : 0;
    if (!address || !family) continue;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  if (blockListCache.size > 500) blockListCache.clear();
  blockListCache.set(cacheKey, list);
  return list;
}

export function ipListed(entries: string[], ip: string): boolean {
  if (entries.length === 0) return false;
  const family = isIP(ip);
  if (!family) return false;
  return blockList(entries).check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

export type BlockReason = 'blocked_hwid' | 'blocked_ip';

/**
 * Applies an app's black and white lists: a blacklisted HWID or IP is blocked; when a
 * whitelist is set, only its members pass. Throws `blocked` (403) with the reason.
 */
export function assertAdmitted(security: SecurityLists, hwid: string | null, ip: string): void {
  const refuse = (reason: BlockReason, message: string) => {
    throw new ApiError('blocked', message, { violation: reason });
  };
  if (hwid !== null && security.hwidBlacklist.includes(hwid)) refuse('blocked_hwid', 'This device is blocked');
  if (ipListed(security.ipBlacklist, ip)) refuse('blocked_ip', 'This IP address is blocked');
  if (hwid !== null && security.hwidWhitelist.length > 0 && !security.hwidWhitelist.includes(hwid)) {
    refuse('blocked_hwid', 'This device is not on the allowed list');
  }
  if (security.ipWhitelist.length > 0 && !ipListed(security.ipWhitelist, ip)) refuse('blocked_ip', 'This IP address is not on the allowed list');
}

import { describe, expect, it } from 'vitest';
import type { SecurityLists } from '../../../../functions/src/data/apps.js';
import { assertAdmitted, ipEntryValid, ipListed } from '../../../../functions/src/services/client/accessLists.js';
import { apiErrorOf } from '../../apiErrors.js';

describe('ipEntryValid', () => {
  it.each(['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '10.0.0.1/32', '::1', '2001:db8::/32', '::/0', '2001:db8::1/128', '10.0.0.0/008'])('accepts %s', (entry) => {
    expect(ipEntryValid(entry)).toBe(true);
  });

  it.each([
    '', 'not-an-ip', '10.0.0', '10.0.0.256', '10.0.0.1/33', '2001:db8::/129', '10.0.0.1/', '10.0.0.1/-1', '10.0.0.1/1a',
    '10.0.0.1/0032', '10.0.0.0/8/1', '/8', ' 10.0.0.1',
  ])('refuses %j', (entry) => {
    expect(ipEntryValid(entry)).toBe(false);
  });
});

describe('ipListed', () => {
  it('is false for an empty list or an address that is not an IP', () => {
    expect(ipListed([], '10.0.0.1')).toBe(false);
    expect(ipListed(['10.0.0.0/8'], 'not-an-ip')).toBe(false);
    expect(ipListed(['10.0.0.0/8'], '')).toBe(false);
  });

  it('matches single addresses exactly', () => {
    expect(ipListed(['10.0.0.1'], '10.0.0.1')).toBe(true);
    expect(ipListed(['10.0.0.1'], '10.0.0.2')).toBe(false);
    expect(ipListed(['2001:db8::1'], '2001:db8::1')).toBe(true);
    expect(ipListed(['2001:db8::1'], '2001:db8::2')).toBe(false);
  });

  it('matches CIDR ranges up to their edges', () => {
    expect(ipListed(['10.0.0.0/8'], '10.0.0.0')).toBe(true);
    expect(ipListed(['10.0.0.0/8'], '10.255.255.255')).toBe(true);
    expect(ipListed(['10.0.0.0/8'], '11.0.0.0')).toBe(false);
    expect(ipListed(['10.0.0.0/8'], '9.255.255.255')).toBe(false);
    expect(ipListed(['2001:db8::/64'], '2001:db8::ffff:ffff:ffff:ffff')).toBe(true);
    expect(ipListed(['2001:db8::/64'], '2001:db8:0:1::')).toBe(false);
  });

  it('matches an IPv4 address and its IPv4-mapped IPv6 form both ways, and nothing else across families', () => {
    expect(ipListed(['10.0.0.1'], '::ffff:10.0.0.1')).toBe(true);
    expect(ipListed(['::ffff:10.0.0.1'], '10.0.0.1')).toBe(true);
    expect(ipListed(['::ffff:10.0.0.0/104'], '10.0.0.1')).toBe(true);
    expect(ipListed(['::/0'], '10.0.0.1')).toBe(true);
    expect(ipListed(['10.0.0.1'], '::ffff:10.0.0.2')).toBe(false);
    expect(ipListed(['2001:db8::/32'], '10.0.0.1')).toBe(false);
    expect(ipListed(['0.0.0.0/0'], '::1')).toBe(false);
  });

  it('skips unusable entries and still reads the rest', () => {
    expect(ipListed(['garbage', '', '/8', '192.168.1.7'], '192.168.1.7')).toBe(true);
    expect(ipListed(['garbage'], '192.168.1.7')).toBe(false);
  });

  it('never confuses two lists whose entries concatenate alike', () => {
    expect(ipListed(['1.1.1.1', '1.1.1.12'], '1.1.1.11')).toBe(false);
    expect(ipListed(['1.1.1.11', '.1.1.12'], '1.1.1.11')).toBe(true);
  });

  it('answers the same for a list seen before, and after many other lists', () => {
    const list = ['172.16.0.0/12'];
    expect(ipListed(list, '172.20.0.1')).toBe(true);
    expect(ipListed([...list], '172.20.0.1')).toBe(true);
    for (let i = 0; i < 600; i += 1) expect(ipListed([`10.${i >> 8}.${i & 255}.1`], `10.${i >> 8}.${i & 255}.1`)).toBe(true);
    expect(ipListed(list, '172.32.0.1')).toBe(false);
    expect(ipListed(list, '172.31.255.255')).toBe(true);
  });
});

const lists = (overrides: Partial<SecurityLists>): SecurityLists => ({ hwidBlacklist: [], ipBlacklist: [], hwidWhitelist: [], ipWhitelist: [], ...overrides });

const refusal = (security: SecurityLists, hwid: string | null, ip: string) => apiErrorOf(() => assertAdmitted(security, hwid, ip));

describe('assertAdmitted', () => {
  it('admits anyone when no list is set', () => {
    expect(() => assertAdmitted(lists({}), 'hw-1', '10.0.0.1')).not.toThrow();
    expect(() => assertAdmitted(lists({}), null, '10.0.0.1')).not.toThrow();
  });

  it('refuses a blacklisted HWID with 403 blocked, violation blocked_hwid', () => {
    const error = refusal(lists({ hwidBlacklist: ['hw-1'] }), 'hw-1', '10.0.0.1');
    expect(error.code).toBe('blocked');
    expect(error.status).toBe(403);
    expect(error.message).toBe('This device is blocked');
    expect(error.violation).toBe('blocked_hwid');
    expect(() => assertAdmitted(lists({ hwidBlacklist: ['hw-1'] }), 'hw-2', '10.0.0.1')).not.toThrow();
  });

  it('refuses a blacklisted IP or range, violation blocked_ip', () => {
    const error = refusal(lists({ ipBlacklist: ['10.0.0.0/24'] }), 'hw-1', '10.0.0.9');
    expect(error.message).toBe('This IP address is blocked');
    expect(error.violation).toBe('blocked_ip');
    expect(() => assertAdmitted(lists({ ipBlacklist: ['10.0.0.0/24'] }), 'hw-1', '10.0.1.9')).not.toThrow();
  });

  it('admits only whitelisted HWIDs when an HWID whitelist is set', () => {
    const security = lists({ hwidWhitelist: ['hw-ok'] });
    expect(() => assertAdmitted(security, 'hw-ok', '10.0.0.1')).not.toThrow();
    const error = refusal(security, 'hw-other', '10.0.0.1');
    expect(error.message).toBe('This device is not on the allowed list');
    expect(error.violation).toBe('blocked_hwid');
  });

  it('admits only whitelisted IPs when an IP whitelist is set', () => {
    const security = lists({ ipWhitelist: ['192.168.0.0/16'] });
    expect(() => assertAdmitted(security, 'hw-1', '192.168.4.4')).not.toThrow();
    const error = refusal(security, 'hw-1', '10.0.0.1');
    expect(error.message).toBe('This IP address is not on the allowed list');
    expect(error.violation).toBe('blocked_ip');
  });

  it('does not apply HWID lists to a request without an HWID', () => {
    expect(() => assertAdmitted(lists({ hwidBlacklist: ['hw-1'], hwidWhitelist: ['hw-2'] }), null, '10.0.0.1')).not.toThrow();
  });

  it('checks the HWID blacklist first, then the IP blacklist, then the whitelists', () => {
    const all = lists({ hwidBlacklist: ['hw-1'], ipBlacklist: ['10.0.0.1'], hwidWhitelist: ['hw-2'], ipWhitelist: ['10.9.9.9'] });
    expect(refusal(all, 'hw-1', '10.0.0.1').message).toBe('This device is blocked');
    expect(refusal(all, 'hw-3', '10.0.0.1').message).toBe('This IP address is blocked');
    expect(refusal(all, 'hw-3', '10.0.0.2').message).toBe('This device is not on the allowed list');
    expect(refusal(all, 'hw-2', '10.0.0.2').message).toBe('This IP address is not on the allowed list');
    expect(() => assertAdmitted(all, 'hw-2', '10.9.9.9')).not.toThrow();
  });
});

/**
 * README "Layout" and "Firestore": `firestore.rules` denies every client SDK read and write,
 * and `firestore.indexes.json` declares the TTL policy on `expireAt` for every collection group
 * the README lists. No rules engine runs here (the Firestore rules emulator needs Java), so the
 * rules file is checked for its structure: one rule, matching every document, allowing
 * nothing. Deploying it is checked by `npm run deploy:check`; what production holds, by hand
 * (README, Deploy to production, step 6).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('firestore.rules', () => {
  it('has exactly one rule: every document, read and write, if false', () => {
    const code = read('firestore.rules')
      .replace(/\/\/.*$/gm, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .trim();
    expect(code).toBe(
      "rules_version = '2'; service cloud.firestore { match /databases/{database}/documents { match /{document=**} { allow read, write: if false; } } }",
    );
  });
});

describe('TTL field overrides', () => {
  it('declare a TTL on expireAt for authLogs, heartbeatSlots, nonces, events, deliveries, attempts, stripeEvents, meterIncrements, invitations, portalCodes and mail, and nothing else', () => {
    const indexes = JSON.parse(read('firestore.indexes.json')) as { fieldOverrides?: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }> };
    const ttl = (indexes.fieldOverrides ?? []).filter((override) => override.ttl === true);
    expect(ttl.every((override) => override.fieldPath === 'expireAt')).toBe(true);
    expect(ttl.map((override) => override.collectionGroup).sort()).toEqual(['attempts', 'authLogs', 'deliveries', 'events', 'heartbeatSlots', 'invitations', 'mail', 'meterIncrements', 'nonces', 'portalCodes', 'stripeEvents']);
  });
});

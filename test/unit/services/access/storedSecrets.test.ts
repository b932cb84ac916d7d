/**
 * Secrets sealed at rest with the KEK (KEYWARDEN_KEK): what is stored opens only with the
 * configured key, and a rotated session secret keeps verifying for exactly its overlap.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../../../functions/src/config/constants.js';
import { isSealed, open, seal, sealedWith } from '../../../../functions/src/crypto/envelope.js';
import {
  acceptedSessionSecrets,
  currentSessionSecret,
  newSealedSessionSecret,
  openSecret,
  rotatedSessionSecret,
  sealSecret,
} from '../../../../functions/src/services/access/storedSecrets.js';

const kek = 'unit-test-kek-0123456789abcdefghijklmnopqrstuvwxyz';
const otherKek = 'another-unit-test-kek-9876543210zyxwvutsrqponmlkj';
const kekVariable = 'KEYWARDEN_KEK';
let kekBefore: string | undefined;

beforeAll(() => {
  kekBefore = process.env[kekVariable];
  process.env[kekVariable] = kek;
});

afterAll(() => {
  if (kekBefore === undefined) delete process.env[kekVariable];
  else process.env[kekVariable] = kekBefore;
});

const now = Timestamp.fromMillis(1_800_000_000_123);
const overlapMs = sessions.secretRotationOverlapSeconds * 1000;

describe('sealSecret and openSecret', () => {
  it('seals with the configured KEK: the stored form hides the secret, names that KEK and opens with it', () => {
    const stored = sealSecret('whsec_plain-webhook-secret');
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain('whsec_plain-webhook-secret');
    expect(sealedWith(stored)).toBe(sealedWith(seal('probe', kek)));
    expect(sealedWith(stored)).not.toBe(sealedWith(seal('probe', otherKek)));
    expect(open(stored, kek)).toBe('whsec_plain-webhook-secret');
  });

  it('opens what the configured KEK sealed, and returns a legacy clear value as it is', () => {
    expect(openSecret(seal('session-secret-sealed-elsewhere', kek))).toBe('session-secret-sealed-elsewhere');
    expect(openSecret('legacy-clear-secret')).toBe('legacy-clear-secret');
  });

  it('reads the KEK when it runs: a value sealed under another KEK does not open', () => {
    expect(() => openSecret(seal('sealed-under-another-kek', otherKek))).toThrow(/no longer lists/);
  });
});

describe('session secrets', () => {
  it('a new session secret is 32 random bytes in base64url, sealed, and different each time', () => {
    const first = newSealedSessionSecret();
    const second = newSealedSessionSecret();
    expect(isSealed(first)).toBe(true);
    const opened = openSecret(first);
    expect(opened).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(opened, 'base64url')).toHaveLength(32);
    expect(openSecret(second)).not.toBe(opened);
  });

  it('tokens are issued with the current secret, opened', () => {
    const app = { sessionSecret: seal('current-session-secret', kek), previousSessionSecret: null };
    expect(currentSessionSecret(app)).toBe('current-session-secret');
  });

  it('without a previous secret only the current one is accepted', () => {
    const app = { sessionSecret: seal('current-only', kek), previousSessionSecret: null };
    expect(acceptedSessionSecrets(app, now)).toEqual(['current-only']);
  });

  it('the previous secret is accepted after the current one until 1 ms before validUntil, not at it', () => {
    const app = (validUntilMs: number) => ({
      sessionSecret: seal('current-secret', kek),
      previousSessionSecret: { secret: seal('previous-secret', kek), validUntil: Timestamp.fromMillis(validUntilMs) },
    });
    expect(acceptedSessionSecrets(app(now.toMillis() + 1), now)).toEqual(['current-secret', 'previous-secret']);
    expect(acceptedSessionSecrets(app(now.toMillis()), now)).toEqual(['current-secret']);
    expect(acceptedSessionSecrets(app(now.toMillis() - 1), now)).toEqual(['current-secret']);
  });

  it('a rotation seals a fresh secret and keeps the replaced one, as stored, for exactly the overlap', () => {
    const before = { sessionSecret: seal('secret-before-rotation', kek), previousSessionSecret: null };
    const rotated = rotatedSessionSecret(before, now);
    expect(isSealed(rotated.sessionSecret)).toBe(true);
    expect(openSecret(rotated.sessionSecret)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rotated.previousSessionSecret?.secret).toBe(before.sessionSecret);
    expect(rotated.previousSessionSecret?.validUntil.toMillis()).toBe(now.toMillis() + overlapMs);
    expect(overlapMs).toBe(600_000);
    // Both verify during the overlap; only the new one once it ends.
    const fresh = openSecret(rotated.sessionSecret);
    expect(acceptedSessionSecrets(rotated, Timestamp.fromMillis(now.toMillis() + overlapMs - 1))).toEqual([fresh, 'secret-before-rotation']);
    expect(acceptedSessionSecrets(rotated, Timestamp.fromMillis(now.toMillis() + overlapMs))).toEqual([fresh]);
  });
});

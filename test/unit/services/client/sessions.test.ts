/**
 * Client sessions (functions/src/services/client/sessions.ts): a token's expiry is its TTL or the
 * absolute lifetime counted from the opening, whichever comes first, to the second; a presented
 * token is read, matched to the door's app, verified with the app's current or previous session
 * secret, and refused from the second it expires. Every refusal is 401 `session_expired`.
 */
import { Timestamp } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { sessions } from '../../../../functions/src/config/constants.js';
import { peekSessionClaims, sessionTokenAuthentic, type SessionClaims } from '../../../../functions/src/crypto/sessionTokens.js';
import type { AppDocument } from '../../../../functions/src/data/apps.js';
import { currentSessionSecret, newSealedSessionSecret, rotatedSessionSecret } from '../../../../functions/src/services/access/storedSecrets.js';
import { acceptedSession, newSession, presentedSessionClaims, sessionIssuedAtMs, sessionOf } from '../../../../functions/src/services/client/sessions.js';
import { apiErrorOf } from '../../apiErrors.js';
import { storedApp, useTestKek } from '../../fixtures.js';

const kek = 'sessions-unit-test-kek-0123456789abcdefghij';
useTestKek(kek);

// With milliseconds, so a rule that confuses seconds and milliseconds shows.
const now = Timestamp.fromDate(new Date('2027-03-10T12:00:00.250Z'));
const lifetimeSeconds = sessions.maxLifetimeSeconds;
// Ids as the schemas take them (peekSessionClaims refuses any other app id).
const appId = 'app_Unit0000000000000001';
const otherAppId = 'app_Unit0000000000000002';
const scope = { appId, licenseKey: 'ABCD-EFGH-JKLM-NPQR', hwid: 'dev-1', epoch: 3 };
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An app as stored, with a fresh sealed session secret (sessions never sign: its key is a placeholder). */
const sessionApp = () => storedApp(now, { sessionSecret: newSealedSessionSecret() });

describe('newSession', () => {
  it('issues a token its app accepts, carrying the scope, the issue time to the millisecond, the opening and the epoch', () => {
    const app = sessionApp();
    const { token, claims } = newSession(app, scope, 3600, now);
    expect(claims).toEqual({
      sid: expect.stringMatching(uuid), app: appId, lic: 'ABCD-EFGH-JKLM-NPQR', hwid: 'dev-1',
      iat: now.seconds, iatMs: now.toMillis(), openedMs: now.toMillis(), ep: 3, exp: now.seconds + 3600,
    });
    expect(peekSessionClaims(token)).toEqual(claims);
    expect(sessionTokenAuthentic(currentSessionSecret(app), token)).toBe(true);
    expect(sessionTokenAuthentic(currentSessionSecret(sessionApp()), token)).toBe(false);
    // Each session has its own id.
    expect(newSession(app, scope, 3600, now).claims.sid).not.toBe(claims.sid);
  });

  it('ends a refreshed session at the absolute lifetime from its opening, whichever of it and the TTL comes first', () => {
    const app = sessionApp();
    // Opened in the last millisecond of a second: the lifetime counts from the start of that second.
    const openedSecond = now.seconds - (lifetimeSeconds - 100);
    const openedMs = openedSecond * 1000 + 999;
    const capped = newSession(app, scope, 101, now, openedMs).claims;
    expect(capped).toMatchObject({ openedMs, iat: now.seconds, exp: now.seconds + 100 });
    expect(newSession(app, scope, 100, now, openedMs).claims.exp).toBe(now.seconds + 100);
    expect(newSession(app, scope, 99, now, openedMs).claims.exp).toBe(now.seconds + 99);
    // A session opened now keeps its whole TTL up to the lifetime itself.
    expect(newSession(app, scope, lifetimeSeconds + 60, now).claims.exp).toBe(now.seconds + lifetimeSeconds);
  });
});

describe('presentedSessionClaims', () => {
  it('reads the claims of a well-formed token, at a door that names its app or one that does not', () => {
    const { token, claims } = newSession(sessionApp(), scope, 3600, now);
    expect(presentedSessionClaims(token)).toEqual(claims);
    expect(presentedSessionClaims(token, appId)).toEqual(claims);
  });

  it('refuses an unreadable token, and another app\'s at a door that names its app, before any lookup', () => {
    const { token } = newSession(sessionApp(), scope, 3600, now);
    for (const presented of ['', 'not-a-token', `${token}.extra`]) {
      expect(apiErrorOf(() => presentedSessionClaims(presented))).toMatchObject({ code: 'session_expired', message: 'Invalid session token' });
    }
    expect(apiErrorOf(() => presentedSessionClaims(token, otherAppId))).toMatchObject({ code: 'session_expired', message: 'Invalid session token' });
  });
});

describe('acceptedSession', () => {
  it('accepts a token with its app\'s MAC until the second it expires, and answers its claims and app', () => {
    const app = sessionApp();
    const { token, claims } = newSession(app, scope, 3600, now);
    const accepted = acceptedSession(token, claims, app, now);
    expect(accepted.claims).toBe(claims);
    expect(accepted.app).toBe(app);
    // exp is in whole seconds: the last millisecond before it is accepted, the second itself is not.
    expect(acceptedSession(token, claims, app, Timestamp.fromMillis(claims.exp * 1000 - 1)).claims).toBe(claims);
    expect(apiErrorOf(() => acceptedSession(token, claims, app, Timestamp.fromMillis(claims.exp * 1000)))).toMatchObject({ code: 'session_expired', message: 'Session expired; validate again' });
  });

  it('refuses a token whose app is gone, one signed by another app, and an altered one, even before expiry', () => {
    const app = sessionApp();
    const { token, claims } = newSession(app, scope, 3600, now);
    const invalid = { code: 'session_expired', message: 'Invalid session token' };
    expect(apiErrorOf(() => acceptedSession(token, claims, undefined, now))).toMatchObject(invalid);
    expect(apiErrorOf(() => acceptedSession(token, claims, sessionApp(), now))).toMatchObject(invalid);
    const [, signature] = token.split('.');
    const longer: SessionClaims = { ...claims, exp: claims.exp + 86_400 };
    const altered = `${Buffer.from(JSON.stringify(longer), 'utf8').toString('base64url')}.${signature ?? ''}`;
    expect(apiErrorOf(() => acceptedSession(altered, longer, app, now))).toMatchObject(invalid);
    // A forged token is refused as forged, even once expired.
    const later = Timestamp.fromMillis((claims.exp + 10) * 1000);
    expect(apiErrorOf(() => acceptedSession(token, claims, sessionApp(), later))).toMatchObject(invalid);
  });

  it('after a rotation accepts tokens of the previous secret during its overlap only, and those of the new one', () => {
    const app = sessionApp();
    const before = newSession(app, scope, 3600, now);
    const rotated: AppDocument = { ...app, ...rotatedSessionSecret(app, now) };
    const after = newSession(rotated, scope, 3600, now);
    expect(acceptedSession(before.token, before.claims, rotated, now).app).toBe(rotated);
    expect(acceptedSession(after.token, after.claims, rotated, now).app).toBe(rotated);
    const overlapEnd = Timestamp.fromMillis(now.toMillis() + sessions.secretRotationOverlapSeconds * 1000);
    expect(apiErrorOf(() => acceptedSession(before.token, before.claims, rotated, overlapEnd))).toMatchObject({ code: 'session_expired', message: 'Invalid session token' });
    expect(acceptedSession(after.token, after.claims, rotated, overlapEnd).app).toBe(rotated);
  });
});

describe('sessionIssuedAtMs and sessionOf', () => {
  const claims: SessionClaims = { sid: 's', app: appId, lic: 'K', hwid: 'dev-1', iat: 1_800_000_000, iatMs: 1_800_000_000_750, openedMs: 1_799_999_000_125, ep: 4, exp: 1_800_003_600 };

  it('reads the issue time to the millisecond, or the start of its second in a token from before iatMs', () => {
    expect(sessionIssuedAtMs(claims)).toBe(1_800_000_000_750);
    expect(sessionIssuedAtMs({ ...claims, iatMs: undefined })).toBe(1_800_000_000_000);
  });

  it('is the session the client decision reads: its device, issue, opening and epoch', () => {
    expect(sessionOf(claims)).toStrictEqual({ hwid: 'dev-1', issuedAtMs: 1_800_000_000_750, openedAtMs: 1_799_999_000_125, epoch: 4 });
    // Epoch 0 is an epoch.
    expect(sessionOf({ ...claims, ep: 0 })).toStrictEqual({ hwid: 'dev-1', issuedAtMs: 1_800_000_000_750, openedAtMs: 1_799_999_000_125, epoch: 0 });
  });

  it('reads an older token as opened when issued, with no epoch', () => {
    const older: SessionClaims = { sid: 's', app: appId, lic: 'K', hwid: 'dev-2', iat: 1_800_000_000, exp: 1_800_003_600 };
    expect(sessionOf(older)).toStrictEqual({ hwid: 'dev-2', issuedAtMs: 1_800_000_000_000, openedAtMs: 1_800_000_000_000 });
    expect(sessionOf({ ...older, iatMs: 1_800_000_000_500 })).toStrictEqual({ hwid: 'dev-2', issuedAtMs: 1_800_000_000_500, openedAtMs: 1_800_000_000_500 });
  });
});

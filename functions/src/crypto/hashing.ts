import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 hex digest. Secrets we generate carry ≥128 random bits, so a fast hash is enough. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Compares two secrets in constant time, whatever their lengths. */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

import { describe, expect, it } from 'vitest';
import {
  generateLicenseKey,
  licenseKeyAlphabet,
  licenseKeyPattern,
  normalizeLicenseKey,
} from '../../../functions/src/crypto/licenseKeys.js';

describe('licenseKeyAlphabet', () => {
  it('has 32 distinct symbols and no look-alikes (0, O, 1, I)', () => {
    expect(licenseKeyAlphabet).toHaveLength(32);
    expect(new Set(licenseKeyAlphabet).size).toBe(32);
    for (const lookAlike of ['0', 'O', '1', 'I']) expect(licenseKeyAlphabet).not.toContain(lookAlike);
  });
});

describe('generateLicenseKey', () => {
  it('is four dash-separated groups of four alphabet symbols', () => {
    for (let i = 0; i < 200; i += 1) {
      const key = generateLicenseKey();
      expect(key).toHaveLength(19);
      expect(key).toMatch(/^[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}-[23456789A-HJ-NP-Z]{4}$/);
      expect(licenseKeyPattern.test(key)).toBe(true);
    }
  });

  it('draws fresh keys', () => {
    const keys = new Set(Array.from({ length: 500 }, () => generateLicenseKey()));
    expect(keys.size).toBe(500);
  });
});

describe('licenseKeyPattern', () => {
  it('accepts a well-formed key', () => {
    expect(licenseKeyPattern.test('A3K9-BFWX-7NP2-QHDT')).toBe(true);
    expect(licenseKeyPattern.test('2222-2222-2222-ZZZZ')).toBe(true);
  });

  it.each([
    ['lower case', 'a3k9-bfwx-7np2-qhdt'],
    ['three groups', 'A3K9-BFWX-7NP2'],
    ['five groups', 'A3K9-BFWX-7NP2-QHDT-A3K9'],
    ['a group of five', 'A3K9-BFWX-7NP2-QHDTA'],
    ['a group of three', 'A3K-BFWX-7NP2-QHDT'],
    ['no dashes', 'A3K9BFWX7NP2QHDT'],
    ['a zero', 'A3K0-BFWX-7NP2-QHDT'],
    ['a letter O', 'A3KO-BFWX-7NP2-QHDT'],
    ['a one', 'A3K1-BFWX-7NP2-QHDT'],
    ['a letter I', 'A3KI-BFWX-7NP2-QHDT'],
    ['surrounding space', ' A3K9-BFWX-7NP2-QHDT'],
    ['a trailing newline', 'A3K9-BFWX-7NP2-QHDT\n'],
    ['the empty string', ''],
  ])('refuses %s', (_label, key) => {
    expect(licenseKeyPattern.test(key)).toBe(false);
  });
});

describe('normalizeLicenseKey', () => {
  it('upper-cases and trims what a human typed', () => {
    expect(normalizeLicenseKey('  a3k9-bfwx-7np2-qhdt\n')).toBe('A3K9-BFWX-7NP2-QHDT');
    expect(licenseKeyPattern.test(normalizeLicenseKey(' a3k9-bfwx-7np2-qhdt '))).toBe(true);
  });

  it('keeps inner characters as they are', () => {
    expect(normalizeLicenseKey('A3K9 BFWX')).toBe('A3K9 BFWX');
  });
});

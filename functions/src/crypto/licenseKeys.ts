import { randomString } from './random.js';

/** Alphabet without look-alikes (no 0/O, 1/I): 32 symbols, 5 bits each. */
export const licenseKeyAlphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const groups = 4;
const groupLength = 4;

/** A license key like `A3K9-BFWX-7NP2-QHDT`: 16 symbols from the CSPRNG, 80 bits. */
export function generateLicenseKey(): string {
  const symbols = randomString(groups * groupLength, licenseKeyAlphabet);
  return symbols.match(new RegExp(`.{${groupLength}}`, 'g'))?.join('-') ?? symbols;
}

export const licenseKeyPattern = new RegExp(`^([${licenseKeyAlphabet}]{${groupLength}}-){${groups - 1}}[${licenseKeyAlphabet}]{${groupLength}}$`);

/** Keys are typed by humans: accept lower case and surrounding spaces. */
export function normalizeLicenseKey(input: string): string {
  return input.trim().toUpperCase();
}

/**
 * The ASCII armor of the offline formats (docs/offline-formats.md, "Armor"): what a writer
 * emits line by line, and what a reader tolerates (CRLF, a BOM, re-wrapping, indentation, text
 * around the block) and refuses.
 */
import { describe, expect, it } from 'vitest';
import {
  armorBlock,
  armorLineWidth,
  beginLine,
  endLine,
  isoMillis,
  isStandardBase64,
  normalizeArmoredText,
  readArmorBlock,
  wrapBase64,
} from '../../../functions/src/crypto/armor.js';

const a64 = 'A'.repeat(64);
const b64 = 'B'.repeat(64);

describe('BEGIN and END lines', () => {
  it('are -----BEGIN AUTHFORGE <LABEL>----- and -----END AUTHFORGE <LABEL>-----', () => {
    expect(beginLine('ACTIVATION REQUEST')).toBe('-----BEGIN AUTHFORGE ACTIVATION REQUEST-----');
    expect(endLine('LICENSE')).toBe('-----END AUTHFORGE LICENSE-----');
    expect(armorLineWidth).toBe(64);
  });
});

describe('wrapBase64', () => {
  it('cuts at exactly 64 columns, the last line shorter', () => {
    expect(wrapBase64(`${a64}${b64}CC==`)).toEqual([a64, b64, 'CC==']);
  });

  it('writes no empty line after a body of exactly 64 or 128 characters', () => {
    expect(wrapBase64(a64)).toEqual([a64]);
    expect(wrapBase64(`${a64}${b64}`)).toEqual([a64, b64]);
  });

  it('keeps a body of 65 characters as 64 + 1 and one shorter than a line whole', () => {
    expect(wrapBase64(`${a64}Z`)).toEqual([a64, 'Z']);
    expect(wrapBase64('QUJD')).toEqual(['QUJD']);
  });

  it('an empty body is no lines', () => {
    expect(wrapBase64('')).toEqual([]);
  });
});

describe('armorBlock', () => {
  it('writes BEGIN, the headers as "Name: value", one blank line, the wrapped body, END', () => {
    expect(armorBlock('LICENSE', [['Version', '1'], ['App-Id', 'app_1']], `${a64}QQ==`)).toEqual([
      '-----BEGIN AUTHFORGE LICENSE-----',
      'Version: 1',
      'App-Id: app_1',
      '',
      a64,
      'QQ==',
      '-----END AUTHFORGE LICENSE-----',
    ]);
  });

  it('without headers writes no blank line (the signature block)', () => {
    expect(armorBlock('SIGNATURE', [], 'c2ln')).toEqual(['-----BEGIN AUTHFORGE SIGNATURE-----', 'c2ln', '-----END AUTHFORGE SIGNATURE-----']);
  });

  it('with one header still writes the blank line', () => {
    expect(armorBlock('X', [['Version', '1']], 'QQ==')).toEqual(['-----BEGIN AUTHFORGE X-----', 'Version: 1', '', 'QQ==', '-----END AUTHFORGE X-----']);
  });
});

describe('normalizeArmoredText', () => {
  it('drops a leading BOM and turns CRLF and lone CR into LF, everywhere', () => {
    expect(normalizeArmoredText('\uFEFFa\r\nb\r\nc\rd\n')).toBe('a\nb\nc\nd\n');
  });

  it('keeps a BOM that is not the first character, and text without CR as it is', () => {
    expect(normalizeArmoredText('a\uFEFFb\nc')).toBe('a\uFEFFb\nc');
  });

  it('drops only one BOM', () => {
    expect(normalizeArmoredText('\uFEFF\uFEFFa')).toBe('\uFEFFa');
  });
});

describe('readArmorBlock', () => {
  const block = (...inner: string[]) => ['-----BEGIN AUTHFORGE LICENSE-----', ...inner, '-----END AUTHFORGE LICENSE-----'].join('\n');

  it('reads the headers (names lower-cased) and the body joined without whitespace', () => {
    const reading = readArmorBlock(block('Version: 1', 'App-Id: app_1', '', a64, 'QQ=='), 'LICENSE');
    expect(reading).toEqual({ found: 'complete', headers: new Map([['version', '1'], ['app-id', 'app_1']]), base64: `${a64}QQ==` });
  });

  it('finds the block among other text and other blocks, and reads its own label only', () => {
    const text = `Dear support,\n${block('Version: 1', '', 'QUJD')}\n-----BEGIN AUTHFORGE SIGNATURE-----\nc2ln\n-----END AUTHFORGE SIGNATURE-----\nThanks`;
    expect(readArmorBlock(text, 'LICENSE')).toEqual({ found: 'complete', headers: new Map([['version', '1']]), base64: 'QUJD' });
    expect(readArmorBlock(text, 'SIGNATURE')).toEqual({ found: 'complete', headers: new Map(), base64: 'c2ln' });
    expect(readArmorBlock(text, 'ACTIVATION REQUEST')).toEqual({ found: 'none' });
  });

  it('reads indented lines and re-wrapped or space-split base64 the same', () => {
    const text = ['  -----BEGIN AUTHFORGE LICENSE-----  ', '\tVersion: 1', '', '  QU JD', 'RE\tVG  ', ' -----END AUTHFORGE LICENSE-----'].join('\n');
    expect(readArmorBlock(text, 'LICENSE')).toEqual({ found: 'complete', headers: new Map([['version', '1']]), base64: 'QUJDREVG' });
  });

  it('reads a header with no space or a tab after the colon, and trims any whitespace around its value', () => {
    const reading = readArmorBlock(block('Version:1', 'App-Id:\tapp_1', 'Key-Id:\u00a0sk_1\u00a0', 'QUJD'), 'LICENSE');
    expect(reading).toEqual({ found: 'complete', headers: new Map([['version', '1'], ['app-id', 'app_1'], ['key-id', 'sk_1']]), base64: 'QUJD' });
  });

  it('ends the headers at the first line that is not one: a later "Name: value" line is body', () => {
    const reading = readArmorBlock(block('Version: 1', 'QUJD', 'Late: x'), 'LICENSE');
    expect(reading).toEqual({ found: 'complete', headers: new Map([['version', '1']]), base64: 'QUJDLate:x' });
  });

  it('takes a header name that starts with a letter and holds letters, digits and dashes only', () => {
    expect(readArmorBlock(block('X-2b: v', 'QUJD'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map([['x-2b', 'v']]), base64: 'QUJD' });
    expect(readArmorBlock(block('9X: v', 'QUJD'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: '9X:vQUJD' });
    expect(readArmorBlock(block('-X: v', 'QUJD'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: '-X:vQUJD' });
    expect(readArmorBlock(block('A b: v', 'QUJD'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: 'Ab:vQUJD' });
  });

  it('a line holding a Unicode line separator is not a header', () => {
    expect(readArmorBlock(block('Version: 1\u2028x', 'QUJD'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: 'Version:1xQUJD' });
  });

  it('a single-letter header name is a header', () => {
    expect(readArmorBlock(block('V: 1', 'QUJD'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map([['v', '1']]), base64: 'QUJD' });
  });

  it('a block whose body is all headers has an empty body', () => {
    expect(readArmorBlock(block('Version: 1'), 'LICENSE')).toEqual({ found: 'complete', headers: new Map([['version', '1']]), base64: '' });
    expect(readArmorBlock(block(), 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: '' });
  });

  it('a BEGIN line without its END is begin_only; no BEGIN line is none', () => {
    expect(readArmorBlock('-----BEGIN AUTHFORGE LICENSE-----\nVersion: 1\n\nQUJD', 'LICENSE')).toEqual({ found: 'begin_only' });
    expect(readArmorBlock('-----END AUTHFORGE LICENSE-----\nQUJD', 'LICENSE')).toEqual({ found: 'none' });
    expect(readArmorBlock('', 'LICENSE')).toEqual({ found: 'none' });
  });

  it('looks for the END line after the BEGIN line only', () => {
    const text = `-----END AUTHFORGE LICENSE-----\n${block('QUJD')}`;
    expect(readArmorBlock(text, 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: 'QUJD' });
    expect(readArmorBlock('-----END AUTHFORGE LICENSE-----\n-----BEGIN AUTHFORGE LICENSE-----\nQUJD', 'LICENSE')).toEqual({ found: 'begin_only' });
  });

  it('reads the first of two blocks with the same label', () => {
    expect(readArmorBlock(`${block('QUJD')}\n${block('REVG')}`, 'LICENSE')).toEqual({ found: 'complete', headers: new Map(), base64: 'QUJD' });
  });

  it('reads what armorBlock writes', () => {
    const lines = armorBlock('ACTIVATION REQUEST', [['Version', '1'], ['Checksum', 'ABC']], `${a64}${b64}QQ==`);
    expect(readArmorBlock(lines.join('\n'), 'ACTIVATION REQUEST')).toEqual({
      found: 'complete',
      headers: new Map([['version', '1'], ['checksum', 'ABC']]),
      base64: `${a64}${b64}QQ==`,
    });
  });
});

describe('isStandardBase64', () => {
  it.each(['QUJD', 'QUI=', 'QQ==', 'a+/9', `${a64}QQ==`])('accepts %s', (value) => {
    expect(isStandardBase64(value)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['a length that is not a multiple of 4', 'QUJDR'],
    ['missing padding', 'QQ'],
    ['three characters', 'QUJ'],
    ['three padding characters', 'Q==='],
    ['padding in the middle', 'QQ=A'],
    ['padding first', '=QUJ'],
    ['the base64url alphabet', 'ab-_'],
    ['a leading character outside the alphabet', '-QUJ'],
    ['a trailing character outside the alphabet', 'QUJ-'],
    ['whitespace', 'QU D'],
  ])('refuses %s', (_label, value) => {
    expect(isStandardBase64(value)).toBe(false);
  });
});

describe('isoMillis', () => {
  it('writes an instant with milliseconds and Z, even on a whole second', () => {
    expect(isoMillis(new Date(Date.UTC(2027, 0, 1)))).toBe('2027-01-01T00:00:00.000Z');
    expect(isoMillis(new Date(Date.UTC(2026, 8, 11, 12, 30, 5, 7)))).toBe('2026-09-11T12:30:05.007Z');
  });
});

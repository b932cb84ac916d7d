/**
 * The ASCII armor of AuthForge's offline formats (`.authforge`, `.authforge-request`): a
 * `-----BEGIN AUTHFORGE <LABEL>-----` line, `Name: value` header lines, a blank line, standard
 * base64 wrapped at 64 columns, and the matching END line. Readers accept CRLF, a BOM, any
 * re-wrapping of the base64 and text around the armor (docs/offline-formats.md).
 */

export const armorLineWidth = 64;

export const beginLine = (label: string) => `-----BEGIN AUTHFORGE ${label}-----`;
export const endLine = (label: string) => `-----END AUTHFORGE ${label}-----`;

/** Standard base64 split into lines of 64 characters. */
export function wrapBase64(base64: string): string[] {
  const lines: string[] = [];
  for (let at = 0; at < base64.length; at += armorLineWidth) lines.push(base64.slice(at, at + armorLineWidth));
  return lines;
}

/** One armored block as lines (no trailing newline). */
export function armorBlock(label: string, headers: Array<[string, string]>, base64: string): string[] {
  const headerLines = headers.map(([name, value]) => `${name}: ${value}`);
  return [beginLine(label), ...headerLines, ...(headerLines.length > 0 ? [''] : []), ...wrapBase64(base64), endLine(label)];
}

/** Text as a reader sees it: no BOM, `\n` line ends. */
export function normalizeArmoredText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

export type ArmorBlockResult =
  | { found: 'complete'; headers: Map<string, string>; base64: string }
  | { found: 'begin_only' }
  | { found: 'none' };

const headerLine = /^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$/;

/**
 * Finds the first block with this label. Header names are matched case-insensitively (stored
 * lower-case); the body is every remaining line joined with whitespace removed, so re-wrapped
 * or indented base64 reads the same. A BEGIN line without its END is `begin_only` (truncated).
 */
export function readArmorBlock(normalizedText: string, label: string): ArmorBlockResult {
  const lines = normalizedText.split('\n').map((line) => line.trim());
  const begin = lines.indexOf(beginLine(label));
  if (begin < 0) return { found: 'none' };
  const end = lines.indexOf(endLine(label), begin + 1);
  if (end === -1) return { found: 'begin_only' };
  const inner = lines.slice(begin + 1, end);
  const headers = new Map<string, string>();
  let headerCount = 0;
  for (const line of inner) {
    const match = headerLine.exec(line);
    if (!match) break;
    headers.set((match[1] ?? '').toLowerCase(), (match[2] ?? '').trim());
    headerCount += 1;
  }
  const base64 = inner.slice(headerCount).join('').replace(/\s/g, '');
  return { found: 'complete', headers, base64 };
}

/** Strict standard base64 (padding required), the alphabet the formats use; the pattern refuses an empty string. */
export function isStandardBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value);
}

/** Instants are written with millisecond precision and `Z`: older SDKs parse only 3 or 6 fractional digits. */
export const isoMillis = (date: Date) => date.toISOString();

import { licenses, type License, type LicenseFilters } from '../../api/licenses';

const columns: (keyof License)[] = ['licenseKey', 'status', 'label', 'email', 'variantId', 'expiresAt', 'maxHwidSlots', 'hwidCount', 'createdAt'];

/** A CSV cell: quoted, quotes doubled, and a leading = + - @ neutralised so a spreadsheet never runs it as a formula. */
function cell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** Pages through the filtered list (200 a page, the API's cursor) and builds one CSV; reports progress as it goes. */
export async function exportCsv(appId: string, filters: LicenseFilters, onProgress: (rows: number) => void, signal: AbortSignal): Promise<string> {
  const lines = [columns.join(',')];
  let cursor: string | undefined;
  do {
    if (signal.aborted) throw new Error('Export cancelled');
    const page = await licenses.list(appId, filters, { limit: 200, ...(cursor ? { cursor } : {}) });
    for (const license of page.licenses) lines.push(columns.map((column) => cell(license[column])).join(','));
    onProgress(lines.length - 1);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return `${lines.join('\r\n')}\r\n`;
}

export function download(fileName: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

import { authLogsCollection } from '../data/authLogs.js';
import { readPage } from '../data/pagination.js';
import { isoDate } from '../data/shared.js';
import { loadOwnedLicense } from './access.js';
import type { Principal } from './principal.js';

/** seed 003: GET /v1/licenses/:licenseKey/logs, newest first, cursor-paginated. */
export async function listLicenseLogs(principal: Principal, licenseKey: string, page: { limit: number; cursor?: string | undefined }) {
  await loadOwnedLicense(principal, licenseKey);
  const query = authLogsCollection().where('licenseKey', '==', licenseKey).orderBy('createdAt', 'desc').orderBy('__name__', 'desc');
  const result = await readPage(query, page, (doc) => [doc.data().createdAt, doc.id], 2);
  return {
    logs: result.items.map((doc) => {
      const entry = doc.data();
      return {
        appId: entry.appId,
        licenseKey: entry.licenseKey,
        hwid: entry.hwid,
        ip: entry.ip,
        action: entry.action,
        result: entry.result,
        timestamp: isoDate(entry.createdAt),
      };
    }),
    cursor: result.cursor,
  };
}

import { authLogsCollection } from '../../data/authLogs.js';
import { readPage } from '../../data/pagination.js';
import { isoDate } from '../../data/shared.js';
import { loadOwnedLicense } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';

/** seed 003: GET /v1/licenses/:licenseKey/logs, newest first, cursor-paginated. */
export async function listLicenseLogs(principal: Principal, licenseKey: string, page: { limit: number; cursor?: string | undefined }) {
  const license = await loadOwnedLicense(principal, licenseKey);
  // Only the license's own app: another tenant presenting this key must not write into its log.
  const query = authLogsCollection().where('appId', '==', license.appId).where('licenseKey', '==', licenseKey).orderBy('createdAt', 'desc').orderBy('__name__', 'desc');
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

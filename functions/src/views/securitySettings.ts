/** What callers see of an app's security settings and lists. */
import type { z } from 'zod';
import type { AppDocument } from '../data/apps.js';
import type { securityResponse } from '../schemas/v1.js';

export function securityView(appId: string, app: AppDocument): z.infer<typeof securityResponse> {
  return {
    appId,
    settings: app.settings,
    blacklist: { hwids: app.security.hwidBlacklist, ips: app.security.ipBlacklist },
    whitelist: { hwids: app.security.hwidWhitelist, ips: app.security.ipWhitelist },
    clientBans: app.clientBans,
  };
}

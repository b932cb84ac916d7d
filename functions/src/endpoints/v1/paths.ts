/** The path parameters every v1 route file shares, each checked by its schema ("Invalid app id: …"). */
import { z } from 'zod';
import { resourceId } from '../../schemas/common.js';
import { licenseKey } from '../../schemas/licenses.js';

export const accountPath = z.object({ accountId: resourceId });
export const appPath = z.object({ appId: resourceId });
export const licensePath = z.object({ licenseKey });

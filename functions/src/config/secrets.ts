import { defineSecret } from 'firebase-functions/params';

/** The operator's secret: full access to every account. */
export const adminSecret = defineSecret('ADMIN_SECRET');

import type { HttpsOptions } from 'firebase-functions/v2/https';
import { adminSecret } from '../config/secrets.js';

/** Admin functions need the operator secret bound; client functions do not. */
export const clientFunctionOptions: HttpsOptions = { concurrency: 80 };

export const adminFunctionOptions: HttpsOptions = { secrets: [adminSecret], concurrency: 80 };

/** An unset or empty secret disables operator access instead of matching an empty string. */
export const operatorSecret = (): string | undefined => adminSecret.value() || undefined;

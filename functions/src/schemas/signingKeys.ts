/** An app's published Ed25519 key set (services/admin/signingKeys.ts). */
import { z } from 'zod';

export const publishedKeyResponse = z.object({
  keyId: z.string(),
  algorithm: z.literal('Ed25519'),
  /** Standard base64 of the 32 raw public-key bytes, as the SDKs take it. */
  publicKey: z.string(),
  active: z.boolean(),
  createdAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
});

export const signingKeySetResponse = z.object({
  appId: z.string(),
  activeKeyId: z.string(),
  /** Every published public key, the active one first: paste into an SDK's `publicKey` list. */
  publicKeys: z.array(z.string()),
  keys: z.array(publishedKeyResponse),
});
export type SigningKeySetResponse = z.infer<typeof signingKeySetResponse>;

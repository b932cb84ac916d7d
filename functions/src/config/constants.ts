/** Firestore collection names: the only place they are spelled. */
export const collections = {
  accounts: 'accounts',
  apiKeys: 'apiKeys',
} as const;

/** Limits enforced at the edge of every function. */
export const limits = {
  /** Largest request body any function accepts, in bytes. */
  maxBodyBytes: 64 * 1024,
  /** Deepest JSON nesting accepted in a request body. */
  maxJsonDepth: 16,
  /** Longest free-text name (account, key, product). */
  maxNameLength: 128,
  /** Page size bounds for list endpoints. */
  defaultPageSize: 50,
  maxPageSize: 200,
} as const;

/** Key and secret formats. */
export const credentialFormat = {
  apiKeyPrefix: 'af_live_',
  /** Random characters after the prefix (base62: ~5.95 bits each, 32 chars ≈ 190 bits). */
  apiKeyRandomLength: 32,
  /** Characters of the key kept in clear so a human can tell keys apart. */
  apiKeyVisiblePrefixLength: 12,
} as const;

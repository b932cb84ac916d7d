/** Firestore collection names: the only place they are spelled. */
export const collections = {
  accounts: 'accounts',
  /** accounts/{accountId}/creditShards/{0..creditShardCount-1} */
  creditShards: 'creditShards',
  apiKeys: 'apiKeys',
  apps: 'apps',
  /** productSlugs/{accountId}~{slug}: claims a slug so it is unique per account. */
  productSlugs: 'productSlugs',
  variants: 'variants',
  licenses: 'licenses',
  authLogs: 'authLogs',
  nonces: 'nonces',
  /** heartbeatSlots/{appId}~{licenseKey}~{sha256(hwid)}~{slot}: a device's heartbeat in one 10 s slot (rate limit and presence). */
  heartbeatSlots: 'heartbeatSlots',
  events: 'events',
  /** apps/{appId}/webhooks/{webhookId} */
  webhooks: 'webhooks',
  /** deliveries/{eventId}~{webhookId}: one per (event, webhook); attempts/{n} below it. */
  deliveries: 'deliveries',
  deliveryAttempts: 'attempts',
  /** stripeEvents/{eventId}: a processed Stripe event (exactly-once marker). */
  stripeEvents: 'stripeEvents',
  /** stripePurchases/{subscriptionId | paymentIntentId | sessionId}: one purchase's state and licenses. */
  stripePurchases: 'stripePurchases',
  /** stripePaymentIntents/{paymentIntentId} → the purchase it paid (for refunds). */
  stripePaymentIntents: 'stripePaymentIntents',
  /** checkoutSessions/{sessionId}: the licenses a Checkout Session created. */
  checkoutSessions: 'checkoutSessions',
  /** paymentOrders/{appId}~{orderId}: generic payment webhook orders (idempotency). */
  paymentOrders: 'paymentOrders',
  /** discountCodes/{accountId}~{CODE}; redemptions/{hash} below it. */
  discountCodes: 'discountCodes',
  codeRedemptions: 'redemptions',
  /** offlineFiles/{jti}: every minted `.authforge` offline license file (kept: a file cannot be revoked). */
  offlineFiles: 'offlineFiles',
  /** members/{accountId}~{uid}: a console user's role in one account (Firebase Authentication uid). */
  members: 'members',
  /** invitations/{accountId}~{sha256(email)}: a pending invitation to join an account; one per email. */
  invitations: 'invitations',
  /** portalCodes/{sha256(email)}: a buyer's one-time sign-in code (hashed) and the email's recent code requests. */
  portalCodes: 'portalCodes',
} as const;

/** Limits enforced at the edge of every function. */
export const limits = {
  /** Largest request body any function accepts, in bytes. */
  maxBodyBytes: 64 * 1024,
  /** Deepest JSON nesting accepted in a request body. */
  maxJsonDepth: 16,
  /**
   * What the runtime's body parser may read and parse for any function, before our handler
   * runs (http/bodyParserGuard.ts): the largest body a function accepts (stripeWebhook's), and
   * a nesting bound counted on the raw bytes before JSON.parse (Stripe events nest about 12 deep).
   */
  maxParsedBodyBytes: 1024 * 1024,
  maxRawJsonDepth: 32,
  /** Longest free-text name (account, key, product). */
  maxNameLength: 128,
  /** Page size bounds for list endpoints. */
  defaultPageSize: 50,
  maxPageSize: 200,
  /** License label (seed 002). */
  maxLabelLength: 128,
  /** Licenses per create call (seed 002). */
  maxLicensesPerCreate: 100,
  /** HWID slots per license (seed 002). */
  minHwidSlots: 1,
  maxHwidSlots: 16,
  maxHwidLength: 256,
  /** What an activation may say about the machine (seed 004 activate's optional machineName and os). */
  maxMachineNameLength: 128,
  maxOsLength: 64,
  maxNonceLength: 256,
  /** Variables (app or license): key count and serialized size. */
  maxVariables: 64,
  maxVariablesBytes: 8 * 1024,
  /** Entries per security list (HWID or IP, black or white). */
  maxSecurityListEntries: 1000,
  /** Entries per list of client-originated bans (SDK selfban: HWIDs, IPs), kept apart from the vendor's lists. */
  maxClientBans: 1000,
  /** Client reports (SDK selfban) awaiting the vendor's confirmation per app; when full, the oldest is dropped. */
  maxPendingClientBans: 500,
  /** HWIDs and IPs a license's own clients banned on it (SDK selfban), per list; when full, the oldest is dropped. */
  maxLicenseClientBans: 32,
  /** Devices whose sessions a license remembers as ended (deactivate); older ends fold into sessionsValidAfter. */
  maxEndedSessions: 16,
  /** Violations kept on a license (oldest dropped). */
  maxViolationsKept: 50,
  /** Outbound webhooks per app (AuthForge's limit). */
  maxWebhooksPerApp: 5,
  maxWebhookUrlLength: 2048,
  /** How long saving a webhook waits for its host to resolve; a host not resolved by then is judged at each attempt. */
  webhookSaveLookupMs: 3_000,
  /**
   * Highest maxIpsPerDay an app may set: the day's distinct IPs are kept on the license
   * document (at most ~46 bytes each), so this keeps that list under 64 KiB, far below 1 MiB.
   */
  maxIpsPerDay: 1000,
  /** Unrevoked API keys per account. */
  maxApiKeysPerAccount: 25,
  /** Console members (and pending invitations) per account. */
  maxMembersPerAccount: 100,
} as const;

/** Key and secret formats. */
export const credentialFormat = {
  apiKeyPrefix: 'af_live_',
  /** Random characters after the prefix (base62: ~5.95 bits each, 32 chars ≈ 190 bits). */
  apiKeyRandomLength: 32,
  /** Characters of the key kept in clear so a human can tell keys apart. */
  apiKeyVisiblePrefixLength: 12,
  appSecretPrefix: 'as_',
  appSecretRandomLength: 40,
  /** Per-app payment webhook secret (paymentWebhook's x-webhook-secret). */
  paymentSecretPrefix: 'pws_',
} as const;

/** SDK session and replay protection (docs/design.md, door 1). */
export const sessions = {
  defaultTtlSeconds: 86_400,
  minTtlSeconds: 3_600,
  maxTtlSeconds: 604_800,
  /** A nonce is refused for this long after first use. */
  nonceWindowSeconds: 24 * 3_600,
  /** Floating licenses: a seat whose last heartbeat is older than this is free. */
  defaultHeartbeatTimeoutSeconds: 300,
  /** One credit is charged per this many heartbeats of a license. */
  heartbeatsPerCredit: 10,
  /** SDK heartbeats: at most one per device of a license in each slot of this many seconds (6 a minute). */
  heartbeatSlotSeconds: 10,
  /** Heartbeat slot documents are kept this long (TTL), then deleted. */
  heartbeatSlotRetentionSeconds: 3_600,
  /** A floating seat's lastSeenAt is rewritten once it is older than this share of the timeout. */
  floatingRenewFraction: 0.25,
  /** After a session-secret rotation, tokens signed with the previous secret verify this long. */
  secretRotationOverlapSeconds: 600,
  /**
   * Absolute lifetime of a session: heartbeats refresh a token, but never past this long after
   * the validate (or activate) that opened it; then the device validates again.
   */
  maxLifetimeSeconds: 7 * 86_400,
} as const;

/**
 * An app's configuration (secret, keys, lists, settings, webhook subscriptions) is cached in
 * each function instance for at most this long: a change made elsewhere takes effect within it.
 */
export const clientAppCacheSeconds = 10;

/** Default per-app limits; each app can change them. */
export const defaultAppSettings = {
  validatesPerLicensePerMinute: 60,
  validatesPerIpPerMinute: 300,
  /** Distinct IPs per license per UTC day before a violation is flagged (null: no limit). */
  maxIpsPerDay: null,
} as const;

/** Failed admin/v1 credential attempts per caller IP (services/access/credentialGuesses.ts, in memory per instance). */
export const credentialGuesses = {
  maxFailures: 20,
  windowMs: 10 * 60_000,
  maxTrackedIps: 10_000,
} as const;

/** seed 004: 15 activation attempts per hour per key (SDK validate's fixed-seat binds count too). */
export const activationAttemptsPerHour = 15;
/** seed 004 deactivations per hour per key (bounds activate/deactivate churn the same way). */
export const deactivationsPerHour = 15;

/**
 * Client doors (SDK `auth`, seed 004 client functions): token buckets in each instance's memory,
 * taken before any Firestore work (services/client/clientLimits.ts). Loopback callers (the local stack's
 * tests and bench) are not limited per IP; production callers never appear as loopback.
 */
export const clientDoorLimits = {
  perIpBurst: 600,
  perIpPerSecond: 10,
  perAppBurst: 2_000,
  perAppPerSecond: 1_000,
} as const;

/** seed 001: the v1 API's token bucket per API key, in each instance's memory (endpoints/v1.ts). */
export const v1RateLimit = {
  burst: 100,
  perSecond: 50,
} as const;

/**
 * The customer portal (services/portal): buyers sign in with a mailed one-time code or a license
 * key, see their licenses and release devices within the product's policy.
 */
export const portal = {
  codeDigits: 6,
  codeTtlSeconds: 15 * 60,
  /** Wrong codes tried before the code is void (a new one must be requested). */
  maxCodeAttempts: 5,
  /** Codes requested per email per hour (counted on its portalCodes document, known email or not). */
  codeRequestsPerEmailPerHour: 5,
  /** Per caller IP, in each instance's memory (loopback not limited): code requests… */
  codeRequestsPerIpBurst: 10,
  codeRequestsPerIpPerSecond: 10 / 600,
  /** …and sign-in attempts (code or license key). */
  signInsPerIpBurst: 20,
  signInsPerIpPerSecond: 20 / 600,
  /** A buyer token is good for one hour. */
  tokenTtlSeconds: 3_600,
  /** Self-service releases are counted over this many days (the policy's "per 30 days"). */
  releaseWindowDays: 30,
  /** The policy's bounds, and its defaults. */
  maxReleasesPerWindow: 100,
  maxCooldownHours: 720,
  defaultReleasesPerWindow: 3,
  /** Licenses one buyer email may list (one query page). */
  maxLicensesPerEmail: 100,
  /** portalCodes and mail documents are deleted by TTL this long after they are written. */
  retentionDays: 1,
} as const;

/** Credits are spread over shards so no one document takes every validate's write. */
export const creditShardCount = 32;

/** Time-to-live of log-like documents (Firestore TTL policy on field `expireAt`). */
export const retention = {
  authLogDays: 90,
  eventDays: 30,
  deliveryDays: 30,
  stripeEventDays: 30,
  /** An invitation to the console can be accepted for this long (its `expireAt` drives the TTL policy). */
  invitationDays: 7,
} as const;

/** Outbound webhook delivery. */
export const delivery = {
  timeoutMs: 10_000,
  /** A delivery is retried with exponential backoff and jitter for this long, then fails. */
  retryWindowMs: 72 * 3_600_000,
  firstRetryDelayMs: 30_000,
  maxRetryDelayMs: 6 * 3_600_000,
  /** A claimed delivery whose sender vanished becomes due again after this. */
  leaseMs: 60_000,
  responseSnippetBytes: 512,
  /** Due deliveries handled per scheduled run. */
  batchSize: 200,
  /**
   * The scheduled run stops taking due deliveries after this long; deliveries already being
   * sent finish (each within timeoutMs) before the function's timeout below.
   */
  runBudgetMs: 240_000,
  /** Timeout of the scheduled retry function (Cloud Scheduler's attempt deadline follows it). */
  runTimeoutSeconds: 300,
} as const;

/** Retry-After (seconds) sent with the answers that ask the caller to come back. */
export const retryAfterSeconds = {
  /** Firestore contention or outage (503 server_error). */
  unavailable: 2,
} as const;

/** How long one Firestore call may take with the client's own retries (see data/firestore.ts). */
export const firestoreRetryBudget = {
  rpcTimeoutMs: 10_000,
  totalMs: 15_000,
} as const;

/**
 * An HTTP request still unanswered after this long is answered 503 server_error: below the
 * shortest HTTP function timeout (30 s), so a caller gets our shape and Retry-After rather than
 * the platform's 504 while Firestore is unreachable (a transaction retries its reads for longer).
 */
export const requestDeadlineMs = 20_000;

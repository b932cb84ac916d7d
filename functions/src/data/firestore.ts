import { getApps, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { firestoreRetryBudget } from '../config/constants.js';

let database: Firestore | undefined;

/**
 * The client's own retry budget for reads during an outage is ten minutes (GAPIC defaults),
 * far past any function's timeout, so a caller would get the platform's 504 instead of our
 * 503 with Retry-After. Bound each RPC and its retries well inside the functions' timeouts.
 */
const retryBudgetOverride = {
  interfaces: {
    'google.firestore.v1.Firestore': {
      retry_params: {
        default: {
          initial_retry_delay_millis: 100,
          retry_delay_multiplier: 1.3,
          max_retry_delay_millis: 2_000,
          initial_rpc_timeout_millis: firestoreRetryBudget.rpcTimeoutMs,
          rpc_timeout_multiplier: 1,
          max_rpc_timeout_millis: firestoreRetryBudget.rpcTimeoutMs,
          total_timeout_millis: firestoreRetryBudget.totalMs,
        },
      },
    },
  },
};

/** The default firebase-admin app (project and credentials from the environment), made on first use. */
export function firebaseApp(): App {
  return getApps().find((candidate) => candidate.name === '[DEFAULT]') ?? initializeApp();
}

/** The Firestore client, built on first use so cold starts that never touch data stay cheap. */
export function db(): Firestore {
  if (!database) {
    database = getFirestore(firebaseApp());
    try {
      database.settings({ clientConfig: retryBudgetOverride });
    } catch {
      // Another module of this process (a test harness) used the same client first: keep its settings.
    }
  }
  return database;
}

import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

let database: Firestore | undefined;

/** The Firestore client, built on first use so cold starts that never touch data stay cheap. */
export function db(): Firestore {
  if (!database) {
    const app = getApps().find((candidate) => candidate.name === '[DEFAULT]') ?? initializeApp();
    database = getFirestore(app);
  }
  return database;
}

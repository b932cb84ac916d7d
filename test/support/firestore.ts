import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { projectId } from '../../scripts/lib/localStack.js';

/** The same Firestore the functions use (project demo-keywarden), through firebase-admin over gRPC. */
export function testDb(): Firestore {
  const app = getApps().find((candidate) => candidate.name === '[DEFAULT]') ?? initializeApp({ projectId });
  return getFirestore(app);
}

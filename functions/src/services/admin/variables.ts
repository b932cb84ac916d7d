import { Timestamp } from 'firebase-admin/firestore';
import { appsCollection } from '../../data/apps.js';
import { db } from '../../data/firestore.js';
import type { Variables } from '../../data/shared.js';
import { loadOwnedApp, loadOwnedLicense } from '../access/ownership.js';
import type { Principal } from '../access/principal.js';
import { commitLicense } from '../licensing/licenseChanges.js';

/** App variables appear as `appVariables` in every signed validate payload of the app. */
export async function getAppVariables(principal: Principal, appId: string) {
  return { appId, variables: (await loadOwnedApp(principal, appId)).variables };
}

export async function setAppVariables(principal: Principal, appId: string, variables: Variables) {
  await db().runTransaction(async (transaction) => {
    const app = await loadOwnedApp(principal, appId, transaction);
    transaction.set(appsCollection().doc(appId), { ...app, variables, updatedAt: Timestamp.now() });
  });
  return { appId, variables };
}

/** License variables appear as `licenseVariables` in the license's signed payloads. */
export async function getLicenseVariables(principal: Principal, licenseKey: string) {
  return { licenseKey, variables: (await loadOwnedLicense(principal, licenseKey)).variables };
}

export async function setLicenseVariables(principal: Principal, licenseKey: string, variables: Variables) {
  const now = Timestamp.now();
  await db().runTransaction(async (transaction) => {
    const license = await loadOwnedLicense(principal, licenseKey, transaction);
    commitLicense(transaction, licenseKey, { ...license, variables, updatedAt: now }, { type: 'license.updated', data: { variables } }, now);
  });
  return { licenseKey, variables };
}

/**
 * What a signed-in buyer may do in the customer portal: see their licenses and devices, release
 * a device within the product's policy, download an offline file where the product allows it.
 * A buyer reaches a license only through a product whose portal signs in the way the buyer did:
 * an email token reaches the licenses sold to that email on `email` products, a license-key
 * token its one license on a `licenseKey` product. Any other license is "not found" (404).
 */
import { Timestamp } from 'firebase-admin/firestore';
import type { BuyerClaims } from '../../crypto/portalTokens.js';
import { appsCollection, type AppDocument } from '../../data/apps.js';
import { authLogEntry, authLogsCollection } from '../../data/authLogs.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { isoDate } from '../../data/shared.js';
import { forbidden, notFound } from '../../domain/errors.js';
import type { MintedOfflineFileResponse } from '../../schemas/offlineFiles.js';
import { buyerLicenseView, deviceIdOf, portalProductView } from '../../views/portal.js';
import type { Principal } from '../access/principal.js';
import { mintOfflineFile } from '../admin/offlineFiles.js';
import { commitLicense } from '../licensing/licenseChanges.js';
import { deactivateDevice, liveDevices } from '../licensing/licenseRules.js';
import { appsOf, licensesOfEmail } from './buyerSignIn.js';
import { takeRelease } from './releasePolicy.js';

/** True when the buyer's token reaches this license through its product's portal. */
export function buyerReaches(buyer: BuyerClaims, licenseKey: string, license: LicenseDocument, app: AppDocument | undefined): boolean {
  if (!app) return false;
  if (buyer.kind === 'email') return app.portal.signIn === 'email' && license.email !== null && license.email.toLowerCase() === buyer.email;
  return app.portal.signIn === 'licenseKey' && buyer.licenseKey === licenseKey;
}

const licenseNotFound = () => notFound('License not found');

/** GET /portal/products/:appId: what the sign-in page shows; 404 for an unknown product or one whose portal is off. */
export async function portalProduct(appId: string) {
  const app = (await appsCollection().doc(appId).get()).data();
  if (!app || app.portal.signIn === 'off') throw notFound('No customer portal for this product');
  return portalProductView(appId, app, app.portal.signIn);
}

/** Every license the buyer reaches, oldest first, with its product, devices and release allowance. */
export async function listBuyerLicenses(buyer: BuyerClaims) {
  const now = Timestamp.now();
  let licenses: Map<string, LicenseDocument>;
  if (buyer.kind === 'email') {
    licenses = await licensesOfEmail(buyer.email);
  } else {
    const license = (await licensesCollection().doc(buyer.licenseKey).get()).data();
    licenses = new Map(license ? [[buyer.licenseKey, license]] : []);
  }
  const apps = await appsOf([...licenses.values()].map((license) => license.appId));
  const items = [...licenses.entries()]
    .filter(([key, license]) => buyerReaches(buyer, key, license, apps.get(license.appId)))
    .sort(([keyA, a], [keyB, b]) => a.createdAt.toMillis() - b.createdAt.toMillis() || keyA.localeCompare(keyB))
    .map(([key, license]) => buyerLicenseView(key, license, apps.get(license.appId) as AppDocument, now));
  return { email: buyer.kind === 'email' ? buyer.email : null, licenses: items };
}

/**
 * The buyer releases one of their devices: the seed 004 deactivate rule (licenseRules
 * deactivateDevice: its seat freed, its sessions ended, so its next heartbeat is refused at
 * every door), bounded by the product's selfServiceReleases counted on the license, with its
 * `license.device_released` event and a `buyer_release` auth-log entry, all in one
 * transaction: concurrent releases are serialized on the license and cannot pass the bound.
 */
export async function releaseBuyerDevice(buyer: BuyerClaims, licenseKey: string, deviceId: string, ip: string) {
  const now = Timestamp.now();
  const ref = licensesCollection().doc(licenseKey);
  const { license, app } = await db().runTransaction(async (transaction) => {
    const current = (await transaction.get(ref)).data();
    const product = current ? (await transaction.get(appsCollection().doc(current.appId))).data() : undefined;
    if (!current || !product || !buyerReaches(buyer, licenseKey, current, product)) throw licenseNotFound();
    const device = current.devices.find((candidate) => deviceIdOf(candidate.hwid) === deviceId);
    if (!device) throw notFound('This device is not activated on this license');
    const portalReleases = takeRelease(current, product.portal.selfServiceReleases, now);
    const released = deactivateDevice(current, device.hwid, now);
    if (!released) throw notFound('This device is not activated on this license');
    const next: LicenseDocument = { ...released, portalReleases, updatedAt: now };
    commitLicense(transaction, licenseKey, next, {
      type: 'license.device_released',
      data: { hwid: device.hwid, deviceId, machineName: device.machineName, releasedBy: buyer.kind === 'email' ? 'buyer:email' : 'buyer:licenseKey' },
    }, now);
    transaction.create(authLogsCollection().doc(), authLogEntry({ appId: current.appId, licenseKey, hwid: device.hwid, ip, action: 'buyer_release', result: 'ok' }, now));
    return { license: next, app: product };
  });
  return { license: buyerLicenseView(licenseKey, license, app, now) };
}

/**
 * An offline `.authforge` file for one of the license's devices, where the product allows it:
 * minted by the vendor's own service (checked, recorded, charged a credit on a metered account,
 * with its event) on the license's account, `mintedBy` naming the buyer. Only a device holding a
 * seat: a file never adds a machine beyond the license's seats.
 */
export async function mintBuyerOfflineFile(buyer: BuyerClaims, licenseKey: string, hwid: string): Promise<MintedOfflineFileResponse> {
  const license = (await licensesCollection().doc(licenseKey).get()).data();
  const app = license ? (await appsCollection().doc(license.appId).get()).data() : undefined;
  if (!license || !app || !buyerReaches(buyer, licenseKey, license, app)) throw licenseNotFound();
  if (!app.portal.offlineFiles) throw forbidden('This product does not offer offline license files in the portal');
  if (!liveDevices(license, Timestamp.now()).some((device) => device.hwid === hwid)) {
    throw forbidden('This machine holds no seat on the license: activate it once, then download its offline file');
  }
  const principal: Principal = { kind: 'account', accountId: license.accountId, keyId: 'portal', role: 'licenses', buyer: buyer.kind };
  return mintOfflineFile(principal, licenseKey, { hwids: [hwid], expiresAt: isoDate(license.expiresAt) });
}

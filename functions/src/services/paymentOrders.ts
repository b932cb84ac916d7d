import { Timestamp } from 'firebase-admin/firestore';
import { paymentOrdersCollection } from '../data/commerce.js';
import { isAlreadyExists } from '../data/errors.js';
import { db } from '../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../data/licenses.js';
import { badRequest } from '../http/errors.js';
import type { PaymentWebhookInput } from '../schemas/commerce.js';
import { addNewLicenses, licenseOrigin, licenseTemplate, newLicenseKeys } from './licenses.js';
import { licenseView } from './views.js';

/**
 * The generic payment webhook: creates the order's licenses once. A repeated or concurrent
 * delivery of the same orderId answers the licenses already made, and creates nothing.
 */
export async function fulfilPaymentOrder(input: PaymentWebhookInput) {
  const appId = input.productId ?? input.appId;
  if (!appId) throw badRequest('productId (or appId) is required');
  const { app, variant } = await licenseOrigin({ kind: 'operator' }, appId, input.variantId);
  const orderRef = paymentOrdersCollection().doc(`${appId}~${input.orderId}`);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db().runTransaction(async (transaction) => {
        const now = Timestamp.now();
        const existing = (await transaction.get(orderRef)).data();
        if (existing) {
          const snapshots = await transaction.getAll(...existing.licenseKeys.map((key) => licensesCollection().doc(key)));
          return {
            duplicate: true,
            orderId: input.orderId,
            licenses: snapshots.flatMap((snapshot) => {
              const license = snapshot.data();
              return license ? [licenseView(snapshot.id, license, now)] : [];
            }),
          };
        }
        const template: LicenseDocument = licenseTemplate(appId, app, variant, { ...input, label: input.label ?? input.orderId }, now, { orderId: input.orderId });
        const keys = newLicenseKeys(input.quantity);
        addNewLicenses(transaction, keys, template, now);
        transaction.create(orderRef, { appId, accountId: app.accountId, orderId: input.orderId, licenseKeys: keys, email: input.email ?? null, createdAt: now });
        return { duplicate: false, orderId: input.orderId, licenses: keys.map((key) => licenseView(key, template, now)) };
      });
    } catch (error) {
      // A concurrent delivery created the order first: the next run answers its licenses.
      if (!isAlreadyExists(error) || attempt >= 3) throw error;
    }
  }
}

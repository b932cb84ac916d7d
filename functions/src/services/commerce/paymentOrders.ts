import { Timestamp } from 'firebase-admin/firestore';
import { limits } from '../../config/constants.js';
import { paymentOrdersCollection } from '../../data/commerce.js';
import { isAlreadyExists } from '../../data/errors.js';
import { db } from '../../data/firestore.js';
import { licensesCollection, type LicenseDocument } from '../../data/licenses.js';
import { forbidden, unauthorized } from '../../domain/errors.js';
import { secretsEqual, sha256Hex } from '../../crypto/hashing.js';
import { accountsCollection } from '../../data/accounts.js';
import { appsCollection } from '../../data/apps.js';
import type { PaymentWebhookInput } from '../../schemas/commerce.js';
import { addNewLicenses, licenseOrigin, licenseTemplate, newLicenseKeys } from '../admin/licenses.js';
import { licenseView } from '../../views/licenses.js';

/**
 * Who may feed orders to an app: whoever holds the app's own payment secret (updateProduct
 * `rotatePaymentSecret`, stored as its hash). The deployment-wide PAYMENT_WEBHOOK_SECRET
 * (seed 004's shape) acts for every product, so it is accepted only while the deployment has
 * a single account: with a second tenant it would let one mint licenses for, and read the
 * keys of, another's products.
 */
export async function assertPaymentIntake(appId: string, presented: string | undefined, operatorSecret: string): Promise<void> {
  if (!presented) throw unauthorized('Invalid or missing x-webhook-secret');
  const app = (await appsCollection().doc(appId).get()).data();
  if (app?.paymentSecretHash && secretsEqual(sha256Hex(presented), app.paymentSecretHash)) return;
  if (operatorSecret && secretsEqual(presented, operatorSecret)) {
    const accounts = await accountsCollection().limit(2).get();
    if (accounts.size <= 1) return;
    throw forbidden("The deployment-wide payment secret is accepted only while the deployment has one account; use the product's payment secret (updateProduct rotatePaymentSecret)");
  }
  throw unauthorized('Invalid or missing x-webhook-secret');
}

/**
 * An order without a label is labelled with its id, cut to a label's length (an order id may be
 * 200 characters, a label 128): a label that did not fit would fail the license's schema on every
 * redelivery, and the order would never be fulfilled. A surrogate pair is not split.
 */
function labelOfOrder(orderId: string): string {
  const cut = orderId.slice(0, limits.maxLabelLength);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * The generic payment webhook: creates the order's licenses once (the caller passed
 * assertPaymentIntake for the order's app, so the keys it answers are its own). A repeated or concurrent
 * delivery of the same orderId answers the licenses already made, and creates nothing.
 */
export async function fulfilPaymentOrder(input: PaymentWebhookInput) {
  const { appId } = input;
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
        const template: LicenseDocument = licenseTemplate(appId, app, variant, { ...input, label: input.label ?? labelOfOrder(input.orderId) }, now, { orderId: input.orderId });
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

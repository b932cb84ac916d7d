import { defineInt, defineString } from 'firebase-functions/params';

/**
 * Where and how Keywarden deploys. The values of these params come from `functions/.env`
 * (committed defaults) and `functions/.env.<project-id>` (a vendor's own), which
 * firebase-tools reads at deploy time and the emulator reads locally. See README,
 * "Deploy to production".
 */

/**
 * Region of every function. Keep it next to the Firestore database (firebase.json
 * `firestore.location`): nam5 pairs with us-central1, eur3 with europe-west1. The local
 * stack serves `/demo-keywarden/us-central1/<function>`, the default.
 */
export const functionsRegion = defineString('LOCATION', {
  default: 'us-central1',
  description: 'Cloud Functions region (keep it in the same continent as the Firestore location in firebase.json)',
});

/**
 * Warm instances kept for each SDK and client function (the shipped apps' path). 0 by
 * default: an idle deployment costs nothing, and the first request after idle pays a cold
 * start that the SDKs retry as a transient error. `npm run deploy:check` prints what a
 * value costs per month.
 */
export const clientMinInstances = defineInt('CLIENT_MIN_INSTANCES', {
  default: 0,
  description: 'Warm instances per SDK/client function (each is billed while idle)',
});

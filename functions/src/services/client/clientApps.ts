/**
 * The app configuration the client doors need (secret hash, signing and session keys, security
 * lists, settings, which events its webhooks take), cached in the function instance so a
 * validate or heartbeat reads no app document. A cached copy is used for at most
 * `clientAppCacheSeconds`; a change made by another instance (disabling the app, rotating a
 * secret or key, editing a list or a webhook) takes effect within that, and one made by this
 * instance at once (data/apps.ts counts the app and webhook writes passing through it).
 */
import { clientAppCacheSeconds } from '../../config/constants.js';
import { appsCollection, appWrites, type AppDocument } from '../../data/apps.js';
import type { EventType } from '../../data/events.js';
import { webhooksCollection } from '../../data/webhooks.js';
import { isDocumentId } from '../../data/shared.js';
import { ApiError } from '../../domain/errors.js';

export interface ClientApp {
  appId: string;
  app: AppDocument;
  /** True when some active webhook of the app takes events of this type. */
  subscribes(type: EventType): boolean;
}

interface Entry {
  value: ClientApp;
  loadedAtMs: number;
  writesAtLoad: number;
}

/** Bounded: past this many apps the cache starts over (an instance serves few apps). */
const maxCachedApps = 1_000;
const cache = new Map<string, Entry>();
const loading = new Map<string, Promise<ClientApp | undefined>>();

async function fetchClientApp(appId: string): Promise<ClientApp | undefined> {
  const [snapshot, webhooks] = await Promise.all([appsCollection().doc(appId).get(), webhooksCollection(appId).where('active', '==', true).get()]);
  const app = snapshot.data();
  if (!app) return undefined;
  const everything = webhooks.docs.some((doc) => doc.data().events.length === 0);
  const types = new Set(webhooks.docs.flatMap((doc) => doc.data().events));
  return { appId, app, subscribes: (type) => everything || types.has(type) };
}

/** The app, from this instance's cache when fresh enough; `invalid_app` when there is none. */
export async function loadClientAppConfig(appId: string, nowMs = Date.now()): Promise<ClientApp> {
  // The schemas refuse such ids already; this is every client door's one way in (data/shared.ts's id rule).
  if (appId.length > 64 || !isDocumentId(appId)) throw new ApiError('invalid_app', 'Unknown app');
  const cached = cache.get(appId);
  if (cached && nowMs - cached.loadedAtMs < clientAppCacheSeconds * 1000 && cached.writesAtLoad === appWrites.count) return cached.value;
  // Concurrent misses of one app share one load.
  let pending = loading.get(appId);
  if (!pending) {
    const writesAtLoad = appWrites.count;
    pending = fetchClientApp(appId).then((value) => {
      if (value) {
        if (cache.size >= maxCachedApps) cache.clear();
        cache.set(appId, { value, loadedAtMs: nowMs, writesAtLoad });
      }
      return value;
    });
    loading.set(appId, pending);
    void pending.finally(() => loading.delete(appId)).catch(() => undefined);
  }
  const value = await pending;
  if (!value) throw new ApiError('invalid_app', 'Unknown app');
  return value;
}

/** For writes that bypass the converters (`update`): this instance's copies are dropped. */
export function forgetClientApps(): void {
  appWrites.note();
}

/**
 * The local stack's stand-in for a mail server: polls the mail collection (the Trigger Email
 * extension's, KEYWARDEN_MAIL_COLLECTION) and prints each new mail's recipient, subject and
 * sign-in code, so a buyer can sign in to the portal under `npm start` with no SMTP anywhere.
 * Polling, as the event pump does: the embedded Firestore emulator fires no triggers.
 */
import { Timestamp, type Firestore } from 'firebase-admin/firestore';

export interface PrintedMail {
  id: string;
  to: string;
  subject: string;
  code: string | null;
}

/** The one-time code a portal mail carries (its first run of 6 digits), or null. */
export const codeInMail = (text: string): string | null => /\b(\d{6})\b/.exec(text)?.[1] ?? null;

export function startMailWatcher(database: Firestore, collection: string, print: (mail: PrintedMail) => void, options: { intervalMs?: number } = {}) {
  let since = Timestamp.fromMillis(Date.now() - 60_000);
  const seen = new Set<string>();
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = true;
    try {
      const snapshot = await database.collection(collection).where('createdAt', '>=', since).orderBy('createdAt', 'asc').limit(100).get();
      for (const doc of snapshot.docs) {
        if (seen.has(doc.id)) continue;
        seen.add(doc.id);
        const data = doc.data() as { to?: unknown; message?: { subject?: unknown; text?: unknown }; createdAt?: Timestamp };
        print({ id: doc.id, to: String(data.to ?? ''), subject: String(data.message?.subject ?? ''), code: codeInMail(String(data.message?.text ?? '')) });
        if (data.createdAt instanceof Timestamp && data.createdAt.toMillis() > since.toMillis()) since = data.createdAt;
      }
      if (seen.size > 10_000) seen.clear();
    } catch {
      // Firestore restarting or stopping: try again at the next tick.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 1_000);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      while (running) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

/**
 * The integration functions of seed 000 (Developer API integration guide), copied as
 * faithfully as TypeScript allows. The only changes: the base URL
 * `https://api.authforge.cc/v1` is `API_BASE` (the local `v1` function), the API key comes from
 * the `AUTHFORGE_API_KEY` variable below instead of `process.env`, response bodies are typed
 * with casts, and `setLicenseVariables`, `sendEmail` and `sleep` have small real bodies.
 */
import { functionUrl } from '../support/http.js';

// ---------------------------------------------------------------- configuration

/** Stands in for `https://api.authforge.cc/v1`. */
let API_BASE = '';
/** Stands in for `process.env.AUTHFORGE_API_KEY`. */
let AUTHFORGE_API_KEY = '';

export function useApiKey(apiKey: string): void {
  API_BASE = functionUrl('v1');
  AUTHFORGE_API_KEY = apiKey;
}

export const apiBase = (): string => (API_BASE ||= functionUrl('v1'));

// ---------------------------------------------------------------- the helpers the seed leaves to the reader

/** Emails "sent" by sendEmail, for the tests to read. */
export const outbox: Array<{ to: string; licenseKey: string }> = [];

/** Every sleep(ms) requested, in order. */
export const sleeps: number[] = [];

export async function sendEmail(to: string, licenseKey: string): Promise<void> {
  outbox.push({ to, licenseKey });
}

export async function sleep(ms: number): Promise<void> {
  sleeps.push(ms);
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Plan-tier variables, set with PUT /v1/licenses/:licenseKey/variables. */
export async function setLicenseVariables(licenseKey: string, plan: string): Promise<void> {
  const response = await fetch(`${API_BASE}/licenses/${licenseKey}/variables`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${AUTHFORGE_API_KEY}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ variables: { plan, maxProjects: plan === 'enterprise' ? 100 : 10, prioritySupport: plan === 'enterprise' } }),
  });
  if (!response.ok) {
    const error = (await response.json()) as { error: string; message: string };
    throw new Error(`AuthForge API error: ${error.error}; ${error.message}`);
  }
}

interface ApiLicense {
  licenseKey: string;
  status: string;
  expiresAt: string | null;
  hwidList: string[];
  maxHwidSlots: number;
  label: string | null;
}

// ---------------------------------------------------------------- seed 000, "Generate a license after payment"

export async function generateLicense({ appId, email, plan, orderId }: { appId: string; email: string; plan: string; orderId: string }): Promise<string> {
  // Create the license
  const response = await fetch(`${API_BASE}/licenses`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${AUTHFORGE_API_KEY}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({
      appId,
      quantity: 1,
      maxHwidSlots: plan === "enterprise" ? 5 : 1,
      label: orderId,
    }),
  });
  if (!response.ok) {
    const error = (await response.json()) as { error: string; message: string };
    throw new Error(`AuthForge API error: ${error.error}; ${error.message}`);
  }
  const { licenses } = (await response.json()) as { licenses: ApiLicense[] };
  const licenseKey = licenses[0]!.licenseKey;
  // Optionally set license variables for the plan tier
  if (plan !== "basic") {
    await setLicenseVariables(licenseKey, plan);
  }
  // Deliver to customer
  await sendEmail(email, licenseKey);
  return licenseKey;
}

// ---------------------------------------------------------------- seed 000, "Bulk license generation"

export async function generateBulkLicenses(appId: string, quantity: number, options: { expiresAt?: string; maxHwidSlots?: number; label?: string } = {}): Promise<string[]> {
  const response = await fetch(`${API_BASE}/licenses`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${AUTHFORGE_API_KEY}`,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({
      appId,
      quantity,
      expiresAt: options.expiresAt || null,
      maxHwidSlots: options.maxHwidSlots || 1,
      label: options.label,
    }),
  });
  const { licenses } = (await response.json()) as { licenses: ApiLicense[] };
  return licenses.map((l) => l.licenseKey);
}

// ---------------------------------------------------------------- seed 000, "License lookup and status check"

export async function checkLicense(licenseKey: string): Promise<ApiLicense | null> {
  const response = await fetch(
    `${API_BASE}/licenses/${licenseKey}`,
    {
      headers: {
        Authorization: `Bearer ${AUTHFORGE_API_KEY}`,
      },
    }
  );
  if (!response.ok) {
    if (response.status === 404) return null;
    throw new Error("API error");
  }
  return (await response.json()) as ApiLicense;
}

// ---------------------------------------------------------------- seed 000, "Customer support: HWID reset"

export async function resetHwid(licenseKey: string): Promise<boolean> {
  const response = await fetch(
    `${API_BASE}/licenses/${licenseKey}`,
    {
      method: "PUT",
      headers: {
        Authorization: `Bearer ${AUTHFORGE_API_KEY}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ action: "reset-hwid" }),
    }
  );
  return response.ok;
}

// ---------------------------------------------------------------- seed 000, "Pagination: iterate all licenses"

export async function getAllLicenses(appId: string): Promise<ApiLicense[]> {
  const allLicenses: ApiLicense[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL(`${API_BASE}/licenses`);
    url.searchParams.set("appId", appId);
    url.searchParams.set("limit", "200");
    if (cursor) url.searchParams.set("cursor", cursor);
    const response = await fetch(url.toString(), {
      headers: {
        Authorization: `Bearer ${AUTHFORGE_API_KEY}`,
      },
    });
    const data = (await response.json()) as { licenses: ApiLicense[]; cursor: string | null };
    allLicenses.push(...data.licenses);
    cursor = data.cursor;
  } while (cursor);
  return allLicenses;
}

// ---------------------------------------------------------------- seed 000, "Error handling"

export async function safeApiCall(url: string, options: RequestInit): Promise<unknown> {
  const response = await fetch(url, options);
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
    switch (body.error) {
      case "no_credits":
        console.error("Out of credits; purchase more in the dashboard");
        break;
      case "rate_limited":
        // Retry with exponential backoff
        await sleep(1000);
        return safeApiCall(url, options);
      case "forbidden":
        console.error("App doesn't belong to this account");
        break;
      default:
        console.error(`API error: ${body.error}; ${body.message}`);
    }
    throw new Error(body.error || "unknown_error");
  }
  return response.json();
}

/** The Authorization header the seed's examples send. */
export const authHeaders = (): Record<string, string> => ({ Authorization: `Bearer ${AUTHFORGE_API_KEY}` });

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { dismissError, subscribeErrors, type ShownError } from '../app/errorBus';

/** A page: its title in the tab and as the one h1. */
export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Keywarden`;
  }, [title]);
  return (
    <section class="page">
      <header class="page-header">
        <h1 id="page-title" tabIndex={-1}>{title}</h1>
        {actions && <div class="page-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Panel({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  // A plain section with its heading: no accessible name, so a panel title never collides with a field label.
  return (
    <section class="panel">
      <header class="panel-header">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** What to do next when a list is empty. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <div class="empty-next">{children}</div>}
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return <p class="loading" role="status">{label}…</p>;
}

/** Determinate progress for long work (bulk create, CSV export). */
export function ProgressBar({ label, value, max }: { label: string; value: number; max: number | null }) {
  return (
    <div class="progress" role="status">
      <progress aria-label={label} value={value} max={max ?? undefined} />
      <span>{label}: {max === null ? value : `${value} of ${max}`}</span>
    </div>
  );
}

/** A secret the server shows once: copyable, with a plain warning. */
export function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="shown-once" role="region" aria-label={label}>
      <p><strong>{label}</strong>: shown once. Copy it now; it cannot be read again.</p>
      <code class="secret">{value}</code>
      <div class="row">
        <button type="button" onClick={() => void navigator.clipboard.writeText(value).then(() => setCopied(true))}>
          {copied ? 'Copied' : `Copy ${label.toLowerCase()}`}
        </button>
        <button type="button" class="secondary" onClick={onDone}>I have stored it</button>
      </div>
    </div>
  );
}

/** The global error region: every API failure in words, with the request id to quote. */
export function ErrorRegion() {
  const [errors, setErrors] = useState<ShownError[]>([]);
  useEffect(() => subscribeErrors(setErrors), []);
  return (
    <div class="error-region" aria-live="assertive">
      {errors.map((error) => (
        <div class="error-card" role="alert" key={error.id}>
          <p class="error-title">{error.title}</p>
          <p>{error.detail}</p>
          {error.requestId && <p class="request-id">Request id: <code>{error.requestId}</code></p>}
          <button type="button" class="secondary" onClick={() => dismissError(error.id)} aria-label={`Dismiss: ${error.title}`}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.replace(/[^a-z-]/g, '')}`}>{status}</span>;
}

import { useState } from 'preact/hooks';
import { apps } from '../../api/apps';
import { licenses, type CreateLicenses, type License } from '../../api/licenses';
import { reportError } from '../../app/errorBus';
import { Field } from '../../ui/Field';
import { Panel, ProgressBar } from '../../ui/parts';
import { useQuery } from '../../ui/useQuery';

/** Creates 1–100 licenses in batches of 10 so the progress bar moves; a failure stops and says how many were made. */
export function BulkCreate({ appId, onCreated }: { appId: string; onCreated: () => void }) {
  const variants = useQuery(() => apps.variants(appId), [appId]);
  const [quantity, setQuantity] = useState('1');
  const [variantId, setVariantId] = useState('');
  const [label, setLabel] = useState('');
  const [email, setEmail] = useState('');
  const [expires, setExpires] = useState('');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [created, setCreated] = useState<License[]>([]);
  const count = Number(quantity);
  const quantityError = Number.isInteger(count) && count >= 1 && count <= 100 ? null : 'Enter a whole number from 1 to 100.';

  async function create(event: Event) {
    event.preventDefault();
    if (quantityError) return;
    const made: License[] = [];
    setCreated([]);
    setProgress({ done: 0, total: count });
    try {
      while (made.length < count) {
        const batch = Math.min(10, count - made.length);
        const body: CreateLicenses = {
          appId,
          quantity: batch,
          ...(variantId ? { variantId } : {}),
          ...(label ? { label } : {}),
          ...(email ? { email } : {}),
          ...(expires ? { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() } : {}),
        };
        const answer = await licenses.create(body);
        made.push(...answer.licenses);
        setProgress({ done: made.length, total: count });
      }
    } catch (error) {
      reportError(error);
    } finally {
      setCreated(made);
      setProgress(null);
      if (made.length > 0) onCreated();
    }
  }

  return (
    <Panel title="Create licenses">
      <form onSubmit={(e) => void create(e)}>
        <div class="form-grid">
          <Field label="Quantity" description="1 to 100." error={quantity === '' ? null : quantityError}>
            <input type="number" min={1} max={100} required value={quantity} onInput={(e) => setQuantity(e.currentTarget.value)} />
          </Field>
          <Field label="Variant for new licenses" description="Seats and duration come from the variant.">
            <select value={variantId} onChange={(e) => setVariantId(e.currentTarget.value)}>
              <option value="">No variant (1 seat, lifetime unless an expiry is set)</option>
              {(variants.data?.variants ?? []).filter((v) => v.status === 'active').map((v) => (
                <option key={v.variantId} value={v.variantId}>{v.name}</option>
              ))}
            </select>
          </Field>
          <Field label="Expires on" description="Optional; overrides the variant's duration.">
            <input type="date" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
          </Field>
          <Field label="Label"><input maxLength={128} value={label} onInput={(e) => setLabel(e.currentTarget.value)} /></Field>
          <Field label="Customer email"><input type="email" maxLength={320} value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></Field>
        </div>
        <button type="submit" disabled={progress !== null}>Create {Number.isInteger(count) && count > 1 ? `${count} licenses` : 'license'}</button>
      </form>
      {progress && <ProgressBar label="Creating licenses" value={progress.done} max={progress.total} />}
      {created.length > 0 && (
        <div role="status">
          <p>Created {created.length} license{created.length === 1 ? '' : 's'}:</p>
          <ul class="keys">
            {created.map((l) => <li key={l.licenseKey}><a href={`/licenses/${encodeURIComponent(l.licenseKey)}`}><code>{l.licenseKey}</code></a></li>)}
          </ul>
        </div>
      )}
    </Panel>
  );
}

import { useEffect, useState } from 'preact/hooks';
import type { Variables } from '../api/types';
import { Field } from './Field';

/** Variables as a JSON object (strings, numbers, booleans, null), checked before it is sent. */
export function VariablesEditor({ value, canEdit, onSave, busy }: { value: Variables; canEdit: boolean; onSave: (variables: Variables) => void; busy: boolean }) {
  const [draft, setDraft] = useState(JSON.stringify(value, null, 2));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(JSON.stringify(value, null, 2)), [value]);
  function save(event: Event) {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(draft);
    } catch {
      setError('Not valid JSON: write an object such as {"tier": "pro", "seats": 5}.');
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      setError('Write a JSON object of names to values.');
      return;
    }
    const bad = Object.entries(parsed).find(([, v]) => !(v === null || ['string', 'number', 'boolean'].includes(typeof v)));
    if (bad) {
      setError(`"${bad[0]}" must be a string, number, boolean or null.`);
      return;
    }
    setError(null);
    onSave(parsed as Variables);
  }
  return (
    <form onSubmit={save}>
      <Field label="Variables (JSON)" description="Sent to clients in the signed answer. Names: letters, digits, _ . -" error={error}>
        <textarea value={draft} readOnly={!canEdit} onInput={(event) => setDraft(event.currentTarget.value)} rows={6} />
      </Field>
      {canEdit && <button type="submit" disabled={busy}>Save variables</button>}
    </form>
  );
}

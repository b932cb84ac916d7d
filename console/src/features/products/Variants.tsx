import { useState } from 'preact/hooks';
import { apps, type Variant } from '../../api/apps';
import { Field } from '../../ui/Field';
import { Empty, Loading, Panel, StatusBadge } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

function VariantRow({ appId, variant, canEdit, onSaved }: { appId: string; variant: Variant; canEdit: boolean; onSaved: () => void }) {
  const toggle = useAction(async () => {
    await apps.updateVariant(appId, variant.variantId, { disabled: variant.status === 'active' });
    onSaved();
  });
  return (
    <tr>
      <td>{variant.name}</td>
      <td><code>{variant.variantId}</code></td>
      <td>{variant.unlimitedHwidSlots ? 'unlimited' : variant.maxHwidSlots}</td>
      <td>{variant.durationDays === null ? 'lifetime' : `${variant.durationDays} days`}</td>
      <td><StatusBadge status={variant.status} /></td>
      {canEdit && (
        <td>
          <button type="button" class="secondary" onClick={() => void toggle.run()} disabled={toggle.busy} aria-label={`${variant.status === 'active' ? 'Disable' : 'Enable'} variant ${variant.name}`}>
            {variant.status === 'active' ? 'Disable' : 'Enable'}
          </button>
        </td>
      )}
    </tr>
  );
}

export function Variants({ appId, canEdit }: { appId: string; canEdit: boolean }) {
  const list = useQuery(() => apps.variants(appId), [appId]);
  const [name, setName] = useState('');
  const [slots, setSlots] = useState('1');
  const [unlimited, setUnlimited] = useState(false);
  const [days, setDays] = useState('');
  const create = useAction(async () => {
    await apps.createVariant(appId, {
      name,
      maxHwidSlots: Math.min(16, Math.max(1, Number(slots) || 1)),
      unlimitedHwidSlots: unlimited,
      durationDays: days.trim() === '' ? null : Number(days),
    });
    setName('');
    list.reload();
  });
  const variants = list.data?.variants ?? [];
  return (
    <Panel title="Variants">
      <p class="muted">A variant is the policy licenses are made from: seats and duration.</p>
      {list.loading && <Loading />}
      {!list.loading && variants.length === 0 && <Empty title="No variants">{canEdit ? 'Add one below (for example “Pro, 3 seats, 365 days”).' : null}</Empty>}
      {variants.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Variant id</th><th scope="col">Seats</th><th scope="col">Duration</th><th scope="col">Status</th>{canEdit && <th scope="col">Actions</th>}</tr></thead>
            <tbody>{variants.map((v) => <VariantRow key={v.variantId} appId={appId} variant={v} canEdit={canEdit} onSaved={list.reload} />)}</tbody>
          </table>
        </div>
      )}
      {canEdit && (
        <form class="inline" onSubmit={(event) => { event.preventDefault(); void create.run(); }}>
          <Field label="Variant name"><input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
          <Field label="Seats (1–16)"><input type="number" min={1} max={16} value={slots} onInput={(e) => setSlots(e.currentTarget.value)} /></Field>
          <Field label="Duration in days" description="Empty: lifetime."><input type="number" min={1} max={36500} value={days} onInput={(e) => setDays(e.currentTarget.value)} /></Field>
          <label class="checkbox"><input type="checkbox" checked={unlimited} onChange={(e) => setUnlimited(e.currentTarget.checked)} /> Unlimited seats</label>
          <button type="submit" disabled={create.busy}>Add variant</button>
        </form>
      )}
    </Panel>
  );
}

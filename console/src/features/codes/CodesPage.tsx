import { useState } from 'preact/hooks';
import { codes } from '../../api/accounts';
import { apps } from '../../api/apps';
import { useCan, useSession } from '../../app/session';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, Panel, StatusBadge } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

export function CodesPage() {
  const { accountId } = useSession();
  const canEdit = useCan('manageProducts');
  const list = useQuery(() => (accountId ? codes.list(accountId) : Promise.resolve(null)), [accountId]);
  const products = useQuery(() => apps.list(accountId), [accountId]);
  const [productId, setProductId] = useState('');
  const [code, setCode] = useState('');
  const [kind, setKind] = useState<'discount' | 'trial'>('discount');
  const [amount, setAmount] = useState('');
  const [maxRedemptions, setMaxRedemptions] = useState('');
  const act = useAction(async (work: () => Promise<unknown>) => { await work(); list.reload(); });
  const all = list.data?.discountCodes ?? [];
  const chosenProduct = productId || products.data?.apps[0]?.appId || '';
  function create(event: Event) {
    event.preventDefault();
    if (!accountId) return;
    void act.run(async () => {
      await codes.create(accountId, {
        productId: chosenProduct,
        code,
        kind,
        ...(kind === 'discount' ? { percentOff: Number(amount) } : { trialDays: Number(amount) }),
        ...(maxRedemptions ? { maxRedemptions: Number(maxRedemptions) } : {}),
      });
      setCode('');
    });
  }
  return (
    <Page title="Discount & trial codes">
      {list.loading && <Loading />}
      {!list.loading && all.length === 0 && <Empty title="No code yet">{canEdit ? 'Create a discount or trial code below.' : null}</Empty>}
      {all.length > 0 && accountId && (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Code</th><th scope="col">Product</th><th scope="col">Kind</th><th scope="col">Value</th><th scope="col">Redemptions</th><th scope="col">Expires</th><th scope="col">Status</th>{canEdit && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {all.map((c) => (
                <tr key={c.code}>
                  <td><code>{c.code}</code></td><td><code>{c.productId}</code></td><td>{c.kind}</td>
                  <td>{c.kind === 'trial' ? `${c.trialDays ?? 0} days` : c.percentOff !== null ? `${c.percentOff}% off` : `${c.amountOff ?? 0} ${c.currency ?? ''} off`}</td>
                  <td>{c.redemptions}{c.maxRedemptions !== null && ` / ${c.maxRedemptions}`}</td>
                  <td>{c.expiresAt ? formatDate(c.expiresAt) : 'never'}</td>
                  <td><StatusBadge status={c.active ? 'active' : 'disabled'} /></td>
                  {canEdit && (
                    <td class="row">
                      <button type="button" class="secondary" aria-label={`${c.active ? 'Deactivate' : 'Activate'} code ${c.code}`} onClick={() => void act.run(() => codes.setActive(accountId, c.code, !c.active))}>{c.active ? 'Deactivate' : 'Activate'}</button>
                      <button type="button" class="danger" aria-label={`Delete code ${c.code}`} onClick={() => { if (confirm(`Delete ${c.code}?`)) void act.run(() => codes.remove(accountId, c.code)); }}>Delete</button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && (
        <Panel title="Create a code">
          <form class="inline" onSubmit={create}>
            <Field label="Product">
              <select value={chosenProduct} onChange={(e) => setProductId(e.currentTarget.value)}>
                {(products.data?.apps ?? []).map((a) => <option key={a.appId} value={a.appId}>{a.name}</option>)}
              </select>
            </Field>
            <Field label="Code"><input required minLength={3} maxLength={40} value={code} onInput={(e) => setCode(e.currentTarget.value)} /></Field>
            <Field label="Kind">
              <select value={kind} onChange={(e) => setKind(e.currentTarget.value === 'trial' ? 'trial' : 'discount')}>
                <option value="discount">Discount</option><option value="trial">Trial</option>
              </select>
            </Field>
            <Field label={kind === 'discount' ? 'Percent off' : 'Trial days'}><input type="number" required min={1} max={kind === 'discount' ? 100 : 3650} value={amount} onInput={(e) => setAmount(e.currentTarget.value)} /></Field>
            <Field label="Max redemptions" description="Empty: unlimited."><input type="number" min={1} value={maxRedemptions} onInput={(e) => setMaxRedemptions(e.currentTarget.value)} /></Field>
            <button type="submit" disabled={act.busy || !chosenProduct}>Create code</button>
          </form>
        </Panel>
      )}
    </Page>
  );
}

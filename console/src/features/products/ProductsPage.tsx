import { useState } from 'preact/hooks';
import { apps } from '../../api/apps';
import { useCan, useSession } from '../../app/session';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, Panel, ShownOnce, StatusBadge } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

function CreateProduct({ onCreated }: { onCreated: () => void }) {
  const { accountId } = useSession();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<{ appId: string; appSecret: string } | null>(null);
  const create = useAction(async () => {
    const created = await apps.create({ name, ...(description ? { description } : {}), ...(accountId ? { accountId } : {}) });
    setSecret({ appId: created.app.appId, appSecret: created.appSecret });
    setName('');
    setDescription('');
    onCreated();
  });
  return (
    <Panel title="Create a product">
      {secret && (
        <>
          <p>Created <a href={`/products/${encodeURIComponent(secret.appId)}`}><code>{secret.appId}</code></a>. Your app needs its app secret to call the SDK doors.</p>
          <ShownOnce label="App secret" value={secret.appSecret} onDone={() => setSecret(null)} />
        </>
      )}
      <form onSubmit={(event) => { event.preventDefault(); void create.run(); }}>
        <Field label="Name">
          <input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Description" description="Optional, for your team.">
          <input maxLength={1000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={create.busy}>Create product</button>
      </form>
    </Panel>
  );
}

export function ProductsPage() {
  const { accountId } = useSession();
  const canCreate = useCan('manageProducts');
  const list = useQuery(() => apps.list(accountId), [accountId]);
  const all = list.data?.apps ?? [];
  return (
    <Page title="Products">
      {list.loading && <Loading label="Loading products" />}
      {!list.loading && all.length === 0 && (
        <Empty title="No products yet">
          <p>{canCreate ? 'Create your first product below; you then issue licenses for it.' : 'An owner or admin creates products.'}</p>
        </Empty>
      )}
      {all.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Products</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">App id</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Open</th></tr></thead>
            <tbody>
              {all.map((app) => (
                <tr key={app.appId}>
                  <td><a href={`/products/${encodeURIComponent(app.appId)}`}>{app.name}</a></td>
                  <td><code>{app.appId}</code></td>
                  <td><StatusBadge status={app.status} /></td>
                  <td>{formatDate(app.createdAt)}</td>
                  <td>
                    <a href={`/licenses?appId=${encodeURIComponent(app.appId)}`} aria-label={`Licenses of ${app.name}`}>Licenses</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canCreate && <CreateProduct onCreated={list.reload} />}
    </Page>
  );
}

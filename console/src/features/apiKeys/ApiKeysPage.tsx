import { useState } from 'preact/hooks';
import { apiKeys, type ApiKeyRole } from '../../api/accounts';
import { useCan, useSession } from '../../app/session';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, Panel, ShownOnce, StatusBadge } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

const roles: { role: ApiKeyRole; says: string }[] = [
  { role: 'admin', says: 'admin: everything, including keys' },
  { role: 'licenses', says: 'licenses: create and manage licenses' },
  { role: 'read', says: 'read: read only' },
];

export function ApiKeysPage() {
  const { accountId } = useSession();
  const canManage = useCan('apiKeys');
  const list = useQuery(() => (accountId ? apiKeys.list(accountId) : Promise.resolve(null)), [accountId]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiKeyRole>('read');
  const [shown, setShown] = useState<string | null>(null);
  const create = useAction(async () => {
    if (!accountId) return;
    const created = await apiKeys.create(accountId, name, role);
    setShown(created.apiKey);
    setName('');
    list.reload();
  });
  const revoke = useAction(async (keyId: string, keyName: string) => {
    if (!accountId || !confirm(`Revoke the key “${keyName}”? Scripts using it stop at their next call.`)) return;
    await apiKeys.revoke(accountId, keyId);
    list.reload();
  });
  const keys = list.data?.apiKeys ?? [];
  return (
    <Page title="API keys">
      <p class="muted">Keys are for scripts and servers (Authorization: Bearer af_live_…). People sign in instead.</p>
      {list.loading && <Loading />}
      {!list.loading && keys.length === 0 && <Empty title="No API key yet">Create one below for your scripts.</Empty>}
      {keys.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Created</th>{canManage && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.keyId}>
                  <td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{k.role}</td><td><StatusBadge status={k.status} /></td><td>{formatDate(k.createdAt)}</td>
                  {canManage && <td>{k.status === 'active' && <button type="button" class="danger" onClick={() => void revoke.run(k.keyId, k.name)} aria-label={`Revoke API key ${k.name}`}>Revoke</button>}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage && (
        <Panel title="Create an API key">
          {shown && <ShownOnce label="API key" value={shown} onDone={() => setShown(null)} />}
          <form class="inline" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
            <Field label="Key name"><input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
            <Field label="Key role">
              <select value={role} onChange={(e) => setRole(roles.find((r) => r.role === e.currentTarget.value)?.role ?? 'read')}>
                {roles.map((r) => <option key={r.role} value={r.role}>{r.says}</option>)}
              </select>
            </Field>
            <button type="submit" disabled={create.busy}>Create API key</button>
          </form>
        </Panel>
      )}
    </Page>
  );
}

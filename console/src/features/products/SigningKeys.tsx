import { apps } from '../../api/apps';
import { Empty, formatDate, Loading, Panel, StatusBadge } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

export function SigningKeys({ appId, canEdit }: { appId: string; canEdit: boolean }) {
  const keys = useQuery(() => apps.signingKeys(appId), [appId]);
  const rotate = useAction(async () => {
    if (!confirm('Rotate the signing key? New answers are signed with a new key; the old public key stays published until you withdraw it.')) return;
    await apps.rotateSigningKey(appId);
    keys.reload();
  });
  const withdraw = useAction(async (keyId: string) => {
    if (!confirm(`Withdraw ${keyId}? Clients that still trust only this key will reject answers and offline files signed with it.`)) return;
    await apps.withdrawSigningKey(appId, keyId);
    keys.reload();
  });
  return (
    <Panel title="Signing keys" actions={canEdit && <button type="button" onClick={() => void rotate.run()} disabled={rotate.busy}>Rotate signing key</button>}>
      {keys.loading && <Loading />}
      {keys.data && keys.data.keys.length === 0 && <Empty title="No signing key yet">Rotate to create the first one.</Empty>}
      {keys.data && keys.data.keys.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Key id</th><th scope="col">State</th><th scope="col">Public key (Ed25519)</th><th scope="col">Created</th><th scope="col">Retired</th>{canEdit && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {keys.data.keys.map((key) => (
                <tr key={key.keyId}>
                  <td><code>{key.keyId}</code></td>
                  <td><StatusBadge status={key.active ? 'active' : 'retired'} /></td>
                  <td><code>{key.publicKey}</code></td>
                  <td>{formatDate(key.createdAt)}</td>
                  <td>{formatDate(key.retiredAt)}</td>
                  {canEdit && (
                    <td>
                      {!key.active && (
                        <button type="button" class="danger" onClick={() => void withdraw.run(key.keyId)} disabled={withdraw.busy} aria-label={`Withdraw signing key ${key.keyId}`}>
                          Withdraw
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

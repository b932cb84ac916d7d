import { useState } from 'preact/hooks';
import { licenses, type MintOfflineFile } from '../../api/licenses';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Panel } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';
import { download } from './csv';

/** Offline files: mint from HWIDs or a pasted .authforge-request, then download the signed .authforge file. */
export function OfflineFiles({ licenseKey, canMint, lifetime }: { licenseKey: string; canMint: boolean; lifetime: boolean }) {
  const list = useQuery(() => licenses.offlineFiles(licenseKey), [licenseKey]);
  const [source, setSource] = useState<'hwids' | 'request'>('hwids');
  const [hwids, setHwids] = useState('');
  const [request, setRequest] = useState('');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<string | null>(null);
  const mint = useAction(async () => {
    const expiresAt = expires ? new Date(`${expires}T23:59:59Z`).toISOString() : null;
    const ids = hwids.split(/\s*[\n,]\s*/).map((h) => h.trim()).filter(Boolean);
    if (source === 'hwids' && (ids.length < 1 || ids.length > 16)) {
      setError('Enter 1 to 16 HWIDs, one a line.');
      return;
    }
    setError(null);
    const body: MintOfflineFile = source === 'hwids' ? { hwids: ids, expiresAt } : { activationRequest: request, expiresAt };
    const minted = await licenses.mintOfflineFile(licenseKey, body);
    download(minted.fileName, minted.file, 'application/x-authforge-license');
    list.reload();
  });
  const files = list.data?.offlineFiles ?? [];
  return (
    <Panel title="Offline files">
      {list.loading && <Loading />}
      {!list.loading && files.length === 0 && <Empty title="No offline file minted">{canMint ? 'Mint one below for a machine that cannot reach the internet.' : null}</Empty>}
      {files.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Issued</th><th scope="col">Machines</th><th scope="col">Expires</th><th scope="col">Key id</th><th scope="col">Minted by</th></tr></thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.jti}>
                  <td>{formatDate(f.issuedAt)}</td>
                  <td>{f.hwid.mode === 'any' ? 'any machine' : f.hwid.hwids.join(', ')}</td>
                  <td>{f.expiresAt ? formatDate(f.expiresAt) : 'never'}</td>
                  <td><code>{f.keyId}</code></td>
                  <td>{f.mintedBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canMint && (
        <form onSubmit={(e) => { e.preventDefault(); void mint.run(); }}>
          <fieldset class="plain">
            <legend>Bind the file to</legend>
            <label class="checkbox"><input type="radio" name="offline-source" checked={source === 'hwids'} onChange={() => setSource('hwids')} /> HWIDs I enter</label>
            <label class="checkbox"><input type="radio" name="offline-source" checked={source === 'request'} onChange={() => setSource('request')} /> A pasted .authforge-request</label>
          </fieldset>
          {source === 'hwids' ? (
            <Field label="HWIDs" description="One a line (1–16)." error={error}>
              <textarea value={hwids} onInput={(e) => setHwids(e.currentTarget.value)} rows={3} />
            </Field>
          ) : (
            <Field label="Activation request" description="Paste the .authforge-request text the customer sent.">
              <textarea required value={request} onInput={(e) => setRequest(e.currentTarget.value)} rows={5} />
            </Field>
          )}
          <Field label="File expires on" description={lifetime ? 'Optional for a lifetime license.' : 'Required: never past the license expiry.'}>
            <input type="date" required={!lifetime} value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={mint.busy}>Mint and download</button>
        </form>
      )}
    </Panel>
  );
}

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { licenses, type License } from '../../api/licenses';
import type { Variables } from '../../api/types';
import { useCan } from '../../app/session';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, Panel, StatusBadge } from '../../ui/parts';
import { VariablesEditor } from '../../ui/VariablesEditor';
import { useAction, useQuery } from '../../ui/useQuery';
import { Activity } from './Activity';
import { OfflineFiles } from './OfflineFiles';
import { Simulate } from './Simulate';

function Actions({ license, onChanged }: { license: License; onChanged: () => void }) {
  const location = useLocation();
  const [reason, setReason] = useState('');
  const [until, setUntil] = useState('');
  const key = license.licenseKey;
  const revoke = useAction(async () => { await licenses.act(key, { action: 'revoke', ...(reason ? { reason } : {}) }); onChanged(); });
  const reinstate = useAction(async () => { await licenses.act(key, { action: 'activate' }); onChanged(); });
  const extend = useAction(async () => { await licenses.act(key, { action: 'extend', expiresAt: new Date(`${until}T23:59:59Z`).toISOString() }); onChanged(); });
  const remove = useAction(async () => {
    if (!confirm(`Delete ${key} for good? Its devices stop working at their next check.`)) return;
    await licenses.remove(key);
    location.route(`/licenses?appId=${encodeURIComponent(license.appId)}`);
  });
  return (
    <Panel title="Actions">
      {license.status === 'revoked' ? (
        <button type="button" onClick={() => void reinstate.run()} disabled={reinstate.busy}>Reinstate license</button>
      ) : (
        <form class="inline" onSubmit={(e) => { e.preventDefault(); void revoke.run(); }}>
          <Field label="Reason for revoking" description="Optional; kept in the license's history."><input maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} /></Field>
          <button type="submit" class="danger" disabled={revoke.busy}>Revoke license</button>
        </form>
      )}
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void extend.run(); }}>
        <Field label="New expiry date"><input type="date" required value={until} onInput={(e) => setUntil(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={extend.busy}>Extend license</button>
      </form>
      <p><button type="button" class="danger" onClick={() => void remove.run()} disabled={remove.busy}>Delete license</button></p>
    </Panel>
  );
}

function Devices({ license, canManage, onChanged }: { license: License; canManage: boolean; onChanged: () => void }) {
  const release = useAction(async (hwid: string) => { await licenses.releaseDevice(license.licenseKey, hwid); onChanged(); });
  const releaseAll = useAction(async () => {
    if (!confirm('Release every device? Each must activate again.')) return;
    await licenses.act(license.licenseKey, { action: 'reset-hwid' });
    onChanged();
  });
  return (
    <Panel title={`Devices (${license.unlimitedHwidSlots ? `${license.hwidCount}, unlimited seats` : `${license.hwidCount} of ${license.maxHwidSlots}`})`}
      actions={canManage && license.devices.length > 0 && <button type="button" class="secondary" onClick={() => void releaseAll.run()} disabled={releaseAll.busy}>Release all devices</button>}>
      {license.devices.length === 0 ? (
        <Empty title="No device bound">The first app that validates this key binds its machine.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">Machine</th><th scope="col">OS</th><th scope="col">HWID</th><th scope="col">Bound</th><th scope="col">Last seen</th><th scope="col">Last IP</th>{canManage && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {license.devices.map((d) => (
                <tr key={d.hwid}>
                  <td>{d.machineName ?? '—'}</td>
                  <td>{d.os ?? '—'}</td>
                  <td><code title={d.hwid}>{shortHwid(d.hwid)}</code></td>
                  <td>{formatDate(d.boundAt)}</td>
                  <td>{formatDate(d.lastSeenAt)}</td>
                  <td>{d.ip ?? '—'}</td>
                  {canManage && (
                    <td><button type="button" class="secondary" onClick={() => void release.run(d.hwid)} disabled={release.busy} aria-label={`Release device ${d.hwid}`}>Release</button></td>
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

export function LicensePage({ licenseKey }: { licenseKey: string }) {
  const canManage = useCan('manageLicenses');
  const license = useQuery(() => licenses.get(licenseKey), [licenseKey]);
  const saveVariables = useAction(async (variables: Variables) => { await licenses.setVariables(licenseKey, variables); license.reload(); });
  if (license.loading && !license.data) return <Page title="License"><Loading /></Page>;
  const l = license.data;
  if (!l) return <Page title="License"><p>This license could not be loaded. <a href="/licenses">Back to licenses</a>.</p></Page>;
  return (
    <Page title={`License ${l.licenseKey}`} actions={<a href={`/licenses?appId=${encodeURIComponent(l.appId)}`}>All licenses of this product</a>}>
      <Panel title="Summary">
        <dl class="facts">
          <dt>Status</dt><dd><StatusBadge status={l.status} />{l.flagged && <> <span class="badge badge-failed">flagged</span></>}</dd>
          <dt>Product</dt><dd><a href={`/products/${encodeURIComponent(l.appId)}`}><code>{l.appId}</code></a></dd>
          <dt>Variant</dt><dd>{l.variantId ? <code>{l.variantId}</code> : 'none'}</dd>
          <dt>Label</dt><dd>{l.label ?? '—'}</dd>
          <dt>Customer email</dt><dd>{l.email ?? '—'}</dd>
          {Object.entries(l.source ?? {}).map(([name, value]) => (
            <Fragment key={name}><dt>{sourceLabel(name)}</dt><dd><code>{value}</code></dd></Fragment>
          ))}
          <dt>Expires</dt><dd>{l.expiresAt ? formatDate(l.expiresAt) : 'never (lifetime)'}</dd>
          <dt>Seats</dt><dd>{l.unlimitedHwidSlots ? 'unlimited' : l.maxHwidSlots}{l.floating ? ' (floating)' : ''}</dd>
          <dt>Created</dt><dd>{formatDate(l.createdAt)}</dd>
          <dt>Updated</dt><dd>{formatDate(l.updatedAt)}</dd>
        </dl>
      </Panel>
      {canManage && <Actions license={l} onChanged={license.reload} />}
      <Devices license={l} canManage={canManage} onChanged={license.reload} />
      <Simulate licenseKey={l.licenseKey} hwids={l.hwidList} />
      <Activity licenseKey={l.licenseKey} />
      <Panel title="License variables">
        <VariablesEditor value={l.variables} canEdit={canManage} busy={saveVariables.busy} onSave={(v) => void saveVariables.run(v)} />
      </Panel>
      <OfflineFiles licenseKey={l.licenseKey} canMint={canManage} lifetime={l.expiresAt === null} />
    </Page>
  );
}

/** HWIDs are long hashes: the start and end tell devices apart; the whole one is in the title. */
function shortHwid(hwid: string): string {
  return hwid.length <= 20 ? hwid : `${hwid.slice(0, 10)}…${hwid.slice(-6)}`;
}

/** `stripeCustomerId` → "Stripe customer id". */
function sourceLabel(name: string): string {
  const words = name.replace(/([A-Z])/g, ' $1').toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

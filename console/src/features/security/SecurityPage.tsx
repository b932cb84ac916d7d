import { useEffect, useState } from 'preact/hooks';
import { security, type ListEntry } from '../../api/security';
import { useCan } from '../../app/session';
import { AppPicker } from '../../ui/AppPicker';
import { Field } from '../../ui/Field';
import { Empty, Loading, Page, Panel } from '../../ui/parts';
import { text, useUrlParams } from '../../ui/urlParams';
import { useAction, useQuery } from '../../ui/useQuery';

type Lists = { hwids: string[]; ips: string[] };

function EntryList({ title, lists, canEdit, removeLabel, onRemove }: { title: string; lists: Lists; canEdit: boolean; removeLabel: string; onRemove: (entry: ListEntry) => void }) {
  const entries: ListEntry[] = [...lists.hwids.map((value) => ({ type: 'hwid' as const, value })), ...lists.ips.map((value) => ({ type: 'ip' as const, value }))];
  if (entries.length === 0) return <Empty title={`The ${title.toLowerCase()} is empty`} />;
  return (
    <table>
      <caption class="visually-hidden">{title}</caption>
      <thead><tr><th scope="col">Type</th><th scope="col">Value</th>{canEdit && <th scope="col">Actions</th>}</tr></thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={`${entry.type}:${entry.value}`}>
            <td>{entry.type === 'hwid' ? 'HWID' : 'IP / CIDR'}</td>
            <td><code>{entry.value}</code></td>
            {canEdit && <td><button type="button" class="secondary" onClick={() => onRemove(entry)} aria-label={`${removeLabel} ${entry.value}`}>{removeLabel}</button></td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddEntry({ list, onAdd }: { list: string; onAdd: (entry: ListEntry) => Promise<unknown> }) {
  const [type, setType] = useState<'hwid' | 'ip'>('hwid');
  const [value, setValue] = useState('');
  return (
    <form class="inline" onSubmit={(e) => { e.preventDefault(); void onAdd({ type, value }).then(() => setValue('')); }}>
      <Field label="Type">
        <select value={type} onChange={(e) => setType(e.currentTarget.value === 'ip' ? 'ip' : 'hwid')}>
          <option value="hwid">HWID</option><option value="ip">IP or CIDR range</option>
        </select>
      </Field>
      <Field label="Value"><input required maxLength={256} value={value} onInput={(e) => setValue(e.currentTarget.value)} /></Field>
      <button type="submit">Add to {list}</button>
    </form>
  );
}

function Limits({ appId, settings, canEdit, onSaved }: { appId: string; settings: { validatesPerLicensePerMinute: number; validatesPerIpPerMinute: number; maxIpsPerDay: number | null }; canEdit: boolean; onSaved: () => void }) {
  const [perLicense, setPerLicense] = useState(String(settings.validatesPerLicensePerMinute));
  const [perIp, setPerIp] = useState(String(settings.validatesPerIpPerMinute));
  const [ips, setIps] = useState(settings.maxIpsPerDay === null ? '' : String(settings.maxIpsPerDay));
  useEffect(() => {
    setPerLicense(String(settings.validatesPerLicensePerMinute));
    setPerIp(String(settings.validatesPerIpPerMinute));
    setIps(settings.maxIpsPerDay === null ? '' : String(settings.maxIpsPerDay));
  }, [settings]);
  const save = useAction(async () => {
    await security.update(appId, { validatesPerLicensePerMinute: Number(perLicense), validatesPerIpPerMinute: Number(perIp), maxIpsPerDay: ips.trim() === '' ? null : Number(ips) });
    onSaved();
  });
  return (
    <Panel title="Limits">
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void save.run(); }}>
        <Field label="Validates per license per minute"><input type="number" min={1} readOnly={!canEdit} value={perLicense} onInput={(e) => setPerLicense(e.currentTarget.value)} /></Field>
        <Field label="Validates per IP per minute"><input type="number" min={1} readOnly={!canEdit} value={perIp} onInput={(e) => setPerIp(e.currentTarget.value)} /></Field>
        <Field label="Distinct IPs per license per day" description="Empty: no limit."><input type="number" min={1} readOnly={!canEdit} value={ips} onInput={(e) => setIps(e.currentTarget.value)} /></Field>
        {canEdit && <button type="submit" disabled={save.busy}>Save limits</button>}
      </form>
    </Panel>
  );
}

export function SecurityPage() {
  const [params, setParams] = useUrlParams({ appId: text });
  const canEdit = useCan('security');
  const appId = params.appId;
  const config = useQuery(() => (appId ? security.get(appId) : Promise.resolve(null)), [appId]);
  const act = useAction(async (work: () => Promise<unknown>) => { await work(); config.reload(); });
  const data = config.data;
  return (
    <Page title="Security">
      <AppPicker appId={appId} onChange={(id) => setParams({ appId: id }, !appId)} />
      {config.loading && !data && <Loading />}
      {appId && data && (
        <>
          <Limits appId={appId} settings={data.settings} canEdit={canEdit} onSaved={config.reload} />
          <Panel title="Blacklist">
            <p class="muted">Refused at every client door.</p>
            <EntryList title="Blacklist" lists={data.blacklist} canEdit={canEdit} removeLabel="Remove from blacklist" onRemove={(entry) => void act.run(() => security.remove(appId, 'blacklist', entry))} />
            {canEdit && <AddEntry list="blacklist" onAdd={(entry) => act.run(() => security.add(appId, 'blacklist', entry))} />}
          </Panel>
          <Panel title="Whitelist">
            <p class="muted">When not empty, only these machines and addresses are admitted.</p>
            <EntryList title="Whitelist" lists={data.whitelist} canEdit={canEdit} removeLabel="Remove from whitelist" onRemove={(entry) => void act.run(() => security.remove(appId, 'whitelist', entry))} />
            {canEdit && <AddEntry list="whitelist" onAdd={(entry) => act.run(() => security.add(appId, 'whitelist', entry))} />}
          </Panel>
          <Panel title="Client bans">
            <p class="muted">Reported by your app's clients (SDK self-ban).</p>
            <EntryList title="Client bans" lists={data.clientBans} canEdit={canEdit} removeLabel="Lift ban on" onRemove={(entry) => void act.run(() => security.liftClientBan(appId, entry))} />
          </Panel>
        </>
      )}
    </Page>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { apps, type App } from '../../api/apps';
import { Field } from '../../ui/Field';
import { Panel } from '../../ui/parts';
import { useAction } from '../../ui/useQuery';

function limit(raw: string): number | undefined {
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}

export function ProductSettings({ app, canEdit, onSaved }: { app: App; canEdit: boolean; onSaved: () => void }) {
  const [name, setName] = useState(app.name);
  const [description, setDescription] = useState(app.description ?? '');
  const [disabled, setDisabled] = useState(app.status === 'disabled');
  const [perLicense, setPerLicense] = useState(String(app.settings.validatesPerLicensePerMinute));
  const [perIp, setPerIp] = useState(String(app.settings.validatesPerIpPerMinute));
  const [ipsPerDay, setIpsPerDay] = useState(app.settings.maxIpsPerDay === null ? '' : String(app.settings.maxIpsPerDay));
  useEffect(() => {
    setName(app.name);
    setDescription(app.description ?? '');
    setDisabled(app.status === 'disabled');
  }, [app]);
  const save = useAction(async () => {
    const settings = {
      validatesPerLicensePerMinute: limit(perLicense) ?? app.settings.validatesPerLicensePerMinute,
      validatesPerIpPerMinute: limit(perIp) ?? app.settings.validatesPerIpPerMinute,
      maxIpsPerDay: ipsPerDay.trim() === '' ? null : (limit(ipsPerDay) ?? null),
    };
    await apps.update(app.appId, { name, description: description || null, disabled, settings });
    onSaved();
  });
  return (
    <Panel title="Settings">
      <form onSubmit={(event) => { event.preventDefault(); void save.run(); }}>
        <fieldset disabled={!canEdit} class="plain">
          <Field label="Name"><input required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
          <Field label="Description"><input maxLength={1000} value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></Field>
          <label class="checkbox">
            <input type="checkbox" checked={disabled} onChange={(e) => setDisabled(e.currentTarget.checked)} /> Disabled (every client check answers app_disabled)
          </label>
          <Field label="Validates per license per minute"><input type="number" min={1} value={perLicense} onInput={(e) => setPerLicense(e.currentTarget.value)} /></Field>
          <Field label="Validates per IP per minute"><input type="number" min={1} value={perIp} onInput={(e) => setPerIp(e.currentTarget.value)} /></Field>
          <Field label="Distinct IPs per license per day" description="Empty: no limit.">
            <input type="number" min={1} value={ipsPerDay} onInput={(e) => setIpsPerDay(e.currentTarget.value)} />
          </Field>
          {canEdit && <button type="submit" disabled={save.busy}>Save settings</button>}
        </fieldset>
      </form>
    </Panel>
  );
}

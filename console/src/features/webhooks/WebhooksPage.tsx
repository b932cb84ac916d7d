import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { webhooks, type CreateWebhook, type Webhook } from '../../api/webhooks';
import { useCan } from '../../app/session';
import { AppPicker } from '../../ui/AppPicker';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, Panel, ShownOnce, StatusBadge } from '../../ui/parts';
import { text, useUrlParams } from '../../ui/urlParams';
import { useAction, useQuery } from '../../ui/useQuery';

type EventName = NonNullable<CreateWebhook['events']>[number];
const events: EventName[] = [
  'license.created', 'license.validated', 'license.hwid_bound', 'license.hwid_reset', 'license.revoked', 'license.activated',
  'license.extended', 'license.deleted', 'license.expired', 'license.updated', 'license.offline_file_minted', 'test.ping',
];

function DeliveryDetail({ appId, webhookId, deliveryId, canEdit }: { appId: string; webhookId: string; deliveryId: string; canEdit: boolean }) {
  const detail = useQuery(() => webhooks.delivery(appId, webhookId, deliveryId), [deliveryId]);
  const redeliver = useAction(async () => { await webhooks.redeliver(appId, webhookId, deliveryId); detail.reload(); });
  if (detail.loading && !detail.data) return <Loading />;
  if (!detail.data) return null;
  return (
    <div class="delivery-detail">
      {canEdit && <button type="button" onClick={() => void redeliver.run()} disabled={redeliver.busy}>Redeliver now</button>}
      <table>
        <caption>Attempts</caption>
        <thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Status code</th><th scope="col">Duration</th><th scope="col">Error or response</th></tr></thead>
        <tbody>
          {detail.data.attempts.map((a) => (
            <tr key={a.attempt}>
              <td>{a.attempt}</td><td>{formatDate(a.at)}</td><td>{a.statusCode ?? '—'}</td><td>{Math.round(a.durationMs)} ms</td>
              <td><code>{a.error ?? a.responseSnippet ?? ''}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
      <details><summary>Payload</summary><pre><code>{detail.data.body}</code></pre></details>
    </div>
  );
}

function Deliveries({ appId, webhookId, canEdit }: { appId: string; webhookId: string; canEdit: boolean }) {
  const list = useQuery(() => webhooks.deliveries(appId, webhookId), [webhookId]);
  const [open, setOpen] = useState<string | null>(null);
  const items = list.data?.deliveries ?? [];
  return (
    <div>
      <div class="row"><h3>Deliveries</h3><button type="button" class="secondary" onClick={list.reload}>Refresh deliveries</button></div>
      {list.loading && <Loading />}
      {!list.loading && items.length === 0 && <Empty title="No delivery yet">Send a test ping, or change a license.</Empty>}
      {items.length > 0 && (
        <table>
          <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last code</th><th scope="col">Created</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {items.map((d) => (
              <Fragment key={d.deliveryId}>
                <tr>
                  <td>{d.event}</td><td><StatusBadge status={d.status} /></td><td>{d.attempts}</td><td>{d.lastStatusCode ?? '—'}</td><td>{formatDate(d.createdAt)}</td>
                  <td>
                    <button type="button" class="secondary" aria-expanded={open === d.deliveryId} onClick={() => setOpen(open === d.deliveryId ? null : d.deliveryId)} aria-label={`${open === d.deliveryId ? 'Hide attempts' : 'Attempts'} of delivery ${d.deliveryId}`}>
                      {open === d.deliveryId ? 'Hide attempts' : 'Attempts'}
                    </button>
                  </td>
                </tr>
                {open === d.deliveryId && (
                  <tr><td colSpan={6}><DeliveryDetail appId={appId} webhookId={webhookId} deliveryId={d.deliveryId} canEdit={canEdit} /></td></tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function WebhookCard({ appId, hook, canEdit, onChanged }: { appId: string; hook: Webhook; canEdit: boolean; onChanged: () => void }) {
  const [note, setNote] = useState<string | null>(null);
  const toggle = useAction(async () => { await webhooks.update(appId, hook.webhookId, { active: !hook.active }); onChanged(); });
  const ping = useAction(async () => { const sent = await webhooks.test(appId, hook.webhookId); setNote(`Test ping queued (event ${sent.eventId}).`); });
  const remove = useAction(async () => {
    if (!confirm(`Delete the webhook to ${hook.url}?`)) return;
    await webhooks.remove(appId, hook.webhookId);
    onChanged();
  });
  return (
    <li class="card">
      <p><code>{hook.url}</code> <StatusBadge status={hook.active ? 'active' : 'disabled'} /></p>
      {hook.description && <p>{hook.description}</p>}
      {hook.disabledReason && <p class="field-error">Disabled: {hook.disabledReason}</p>}
      <p class="muted">Events: {hook.events.length ? hook.events.join(', ') : 'all'}</p>
      {canEdit && (
        <div class="row">
          <button type="button" onClick={() => void ping.run()} disabled={ping.busy}>Send test ping</button>
          <button type="button" class="secondary" onClick={() => void toggle.run()} disabled={toggle.busy}>{hook.active ? 'Disable' : 'Enable'}</button>
          <button type="button" class="danger" onClick={() => void remove.run()} disabled={remove.busy}>Delete</button>
        </div>
      )}
      {note && <p role="status">{note}</p>}
      <Deliveries appId={appId} webhookId={hook.webhookId} canEdit={canEdit} />
    </li>
  );
}

function CreateWebhookForm({ appId, onCreated }: { appId: string; onCreated: () => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<EventName[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAction(async () => {
    const created = await webhooks.create(appId, { url, events: chosen, ...(description ? { description } : {}) });
    setSecret(created.secret);
    setUrl('');
    onCreated();
  });
  return (
    <Panel title="Add a webhook">
      {secret && <ShownOnce label="Webhook signing secret" value={secret} onDone={() => setSecret(null)} />}
      <form onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
        <Field label="Endpoint URL" description="HTTPS; private addresses are refused."><input type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} /></Field>
        <Field label="Description"><input maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} /></Field>
        <fieldset class="plain events">
          <legend>Events (none ticked: all)</legend>
          {events.map((name) => (
            <label class="checkbox" key={name}>
              <input type="checkbox" checked={chosen.includes(name)} onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, name] : chosen.filter((c) => c !== name))} /> {name}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.busy}>Create webhook</button>
      </form>
    </Panel>
  );
}

export function WebhooksPage() {
  const [params, setParams] = useUrlParams({ appId: text });
  const canEdit = useCan('webhooks');
  const appId = params.appId;
  const list = useQuery(() => (appId ? webhooks.list(appId) : Promise.resolve(null)), [appId]);
  const hooks = list.data?.webhooks ?? [];
  return (
    <Page title="Webhooks">
      <AppPicker appId={appId} onChange={(id) => setParams({ appId: id }, !appId)} />
      {list.loading && <Loading />}
      {appId && !list.loading && hooks.length === 0 && <Empty title="No webhook yet">{canEdit ? 'Add an endpoint below to receive license events.' : null}</Empty>}
      <ul class="cards">{appId && hooks.map((hook) => <WebhookCard key={hook.webhookId} appId={appId} hook={hook} canEdit={canEdit} onChanged={list.reload} />)}</ul>
      {appId && canEdit && <CreateWebhookForm appId={appId} onCreated={list.reload} />}
    </Page>
  );
}

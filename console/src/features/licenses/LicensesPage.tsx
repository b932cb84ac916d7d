import { useRef, useState } from 'preact/hooks';
import { apps } from '../../api/apps';
import { licenses, type LicenseFilters, type LicenseStatus } from '../../api/licenses';
import { reportError } from '../../app/errorBus';
import { useCan } from '../../app/session';
import { AppPicker } from '../../ui/AppPicker';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, ProgressBar, StatusBadge } from '../../ui/parts';
import { isoDay, oneOf, text, useUrlParams } from '../../ui/urlParams';
import { useQuery } from '../../ui/useQuery';
import { BulkCreate } from './BulkCreate';
import { download, exportCsv } from './csv';

const statuses: readonly LicenseStatus[] = ['active', 'expired', 'revoked'];
const pageSize = 50;

const listParams = { appId: text, status: oneOf(statuses), variantId: text, expiresBefore: isoDay, q: text, cursor: text };

function toFilters(params: { status?: LicenseStatus; variantId?: string; expiresBefore?: string; q?: string }): LicenseFilters {
  // The API takes a search alone: a search ignores the other filters.
  if (params.q) return { q: params.q };
  return {
    ...(params.status ? { status: params.status } : {}),
    ...(params.variantId ? { variantId: params.variantId } : {}),
    ...(params.expiresBefore ? { expiresBefore: new Date(`${params.expiresBefore}T00:00:00Z`).toISOString() } : {}),
  };
}

function Filters({ appId, values, apply }: { appId: string; values: { status?: LicenseStatus; variantId?: string; expiresBefore?: string; q?: string }; apply: (changes: Record<string, string | undefined>) => void }) {
  const variants = useQuery(() => apps.variants(appId), [appId]);
  const [q, setQ] = useState(values.q ?? '');
  return (
    <div class="filters">
      <form role="search" class="inline" onSubmit={(e) => { e.preventDefault(); apply({ q: q.trim() || undefined, cursor: undefined }); }}>
        <Field label="Search" description="Key prefix, exact email, bound HWID, label or order id.">
          <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} maxLength={256} />
        </Field>
        <button type="submit">Search</button>
        {values.q && <button type="button" class="secondary" onClick={() => { setQ(''); apply({ q: undefined, cursor: undefined }); }}>Clear search</button>}
      </form>
      <form class="inline" onSubmit={(e) => e.preventDefault()}>
        <Field label="Filter by status">
          <select value={values.status ?? ''} disabled={Boolean(values.q)} onChange={(e) => apply({ status: e.currentTarget.value || undefined, cursor: undefined })}>
            <option value="">Any status</option>
            {statuses.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </Field>
        <Field label="Filter by variant">
          <select value={values.variantId ?? ''} disabled={Boolean(values.q)} onChange={(e) => apply({ variantId: e.currentTarget.value || undefined, cursor: undefined })}>
            <option value="">Any variant</option>
            {(variants.data?.variants ?? []).map((v) => <option key={v.variantId} value={v.variantId}>{v.name}</option>)}
          </select>
        </Field>
        <Field label="Filter by expiry before">
          <input type="date" value={values.expiresBefore ?? ''} disabled={Boolean(values.q)} onChange={(e) => apply({ expiresBefore: e.currentTarget.value || undefined, cursor: undefined })} />
        </Field>
      </form>
    </div>
  );
}

function Export({ appId, filters }: { appId: string; filters: LicenseFilters }) {
  const [rows, setRows] = useState<number | null>(null);
  const abort = useRef<AbortController | null>(null);
  async function run() {
    abort.current = new AbortController();
    setRows(0);
    try {
      const csv = await exportCsv(appId, filters, setRows, abort.current.signal);
      download(`licenses-${appId}-${new Date().toISOString().slice(0, 10)}.csv`, csv, 'text/csv;charset=utf-8');
    } catch (error) {
      if (!abort.current.signal.aborted) reportError(error);
    } finally {
      setRows(null);
    }
  }
  return rows === null ? (
    <button type="button" class="secondary" onClick={() => void run()}>Export CSV</button>
  ) : (
    <div class="row">
      <ProgressBar label="Exporting licenses" value={rows} max={null} />
      <button type="button" class="secondary" onClick={() => abort.current?.abort()}>Cancel export</button>
    </div>
  );
}

export function LicensesPage() {
  const [params, setParams, hrefWith] = useUrlParams(listParams);
  const canCreate = useCan('manageLicenses');
  const appId = params.appId;
  const filters = toFilters(params);
  const filterKey = JSON.stringify(filters);
  const page = useQuery(
    () => (appId ? licenses.list(appId, filters, { limit: pageSize, ...(params.cursor ? { cursor: params.cursor } : {}) }) : Promise.resolve(null)),
    [appId, filterKey, params.cursor],
  );
  const rows = page.data?.licenses ?? [];
  const filtered = filterKey !== '{}';
  return (
    <Page title="Licenses" actions={appId && <Export appId={appId} filters={filters} />}>
      <AppPicker appId={appId} onChange={(id) => setParams({ appId: id, cursor: undefined, variantId: undefined }, !appId)} />
      {appId && <Filters key={appId} appId={appId} values={params} apply={(changes) => setParams(changes)} />}
      {page.loading && <Loading label="Loading licenses" />}
      {!page.loading && appId && rows.length === 0 && (
        <Empty title={filtered ? 'No license matches' : 'No licenses yet'}>
          <p>{filtered ? 'Change or clear the filters.' : canCreate ? 'Create licenses with the form below.' : 'Licenses appear here once created.'}</p>
        </Empty>
      )}
      {rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Licenses</caption>
            <thead>
              <tr><th scope="col">License key</th><th scope="col">Status</th><th scope="col">Label</th><th scope="col">Email</th><th scope="col">Devices</th><th scope="col">Expires</th></tr>
            </thead>
            <tbody>
              {rows.map((l) => (
                <tr key={l.licenseKey}>
                  <td><a href={`/licenses/${encodeURIComponent(l.licenseKey)}`}><code>{l.licenseKey}</code></a></td>
                  <td><StatusBadge status={l.status} /></td>
                  <td>{l.label ?? ''}</td>
                  <td>{l.email ?? ''}</td>
                  <td>{l.unlimitedHwidSlots ? `${l.hwidCount} (unlimited)` : `${l.hwidCount} / ${l.maxHwidSlots}`}</td>
                  <td>{l.expiresAt ? formatDate(l.expiresAt) : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {appId && (params.cursor || page.data?.cursor) && (
        <nav class="pager" aria-label="Pages">
          {params.cursor && <a href={hrefWith({ cursor: undefined })}>First page</a>}
          {page.data?.cursor && <a href={hrefWith({ cursor: page.data.cursor })}>Next page</a>}
        </nav>
      )}
      {appId && canCreate && <BulkCreate appId={appId} onCreated={page.reload} />}
    </Page>
  );
}

import { apps } from '../../api/apps';
import { AppPicker } from '../../ui/AppPicker';
import { BarChart } from '../../ui/BarChart';
import { Empty, formatDate, Loading, Page, Panel } from '../../ui/parts';
import { text, useUrlParams } from '../../ui/urlParams';
import { useQuery } from '../../ui/useQuery';

function OverviewOf({ appId }: { appId: string }) {
  const overview = useQuery(() => apps.overview(appId), [appId]);
  if (overview.loading) return <Loading label="Counting licenses and checks" />;
  const data = overview.data;
  if (!data) return <p>The overview could not be loaded.</p>;
  const in30Days = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  return (
    <>
      <div class="grid">
        <Panel title="Active licenses"><p class="stat">{data.licenses.active}</p></Panel>
        <Panel title="Expired"><p class="stat">{data.licenses.expired}</p></Panel>
        <Panel title="Revoked"><p class="stat">{data.licenses.revoked}</p></Panel>
        <Panel title="Expiring in 30 days">
          <p class="stat">{data.licenses.expiringNext30Days}</p>
          <a href={`/licenses?appId=${encodeURIComponent(appId)}&status=active&expiresBefore=${in30Days}`}>See the licenses expiring soon</a>
        </Panel>
        <Panel title="Credits">
          <p class="stat">{data.credits.unlimited ? 'Unlimited' : data.credits.balance}</p>
          <a href="/settings/credits">Credits</a>
        </Panel>
      </div>
      <Panel title="Validations per day (30 days)">
        {data.validationsPerDay.every((d) => d.count === 0) ? (
          <Empty title="No validations yet">
            <p>Point your app's SDK at this deployment; successful checks appear here.</p>
          </Empty>
        ) : (
          <BarChart title="Successful validations per UTC day" points={data.validationsPerDay.map((d) => ({ label: d.date, value: d.count }))} />
        )}
      </Panel>
      <Panel title="Failed checks by code (30 days)">
        {data.failedChecksByCode.length === 0 ? (
          <Empty title="No failed checks in 30 days" />
        ) : (
          <div class="table-wrap">
            <table>
              <thead><tr><th scope="col">Code</th><th scope="col">Count</th></tr></thead>
              <tbody>
                {data.failedChecksByCode.map((f) => (
                  <tr key={f.code}><td><code>{f.code}</code></td><td>{f.count}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      <p class="muted">Counted at {formatDate(data.generatedAt)}.</p>
    </>
  );
}

export function OverviewPage() {
  const [params, setParams] = useUrlParams({ appId: text });
  return (
    <Page title="Overview">
      <AppPicker appId={params.appId} onChange={(appId) => setParams({ appId }, true)} />
      {params.appId && <OverviewOf appId={params.appId} />}
    </Page>
  );
}

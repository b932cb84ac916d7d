import { useState } from 'preact/hooks';
import { licenses, type LogEntry } from '../../api/licenses';
import { BarChart, lastDays } from '../../ui/BarChart';
import { Empty, formatDate, Loading, Panel, StatusBadge } from '../../ui/parts';
import { useQuery } from '../../ui/useQuery';

/** Distinct devices per UTC day over the loaded log entries. */
function devicesPerDay(logs: LogEntry[], days: string[]) {
  const seen = new Map<string, Set<string>>();
  for (const entry of logs) {
    if (!entry.timestamp || !entry.hwid) continue;
    const day = entry.timestamp.slice(0, 10);
    if (!seen.has(day)) seen.set(day, new Set());
    seen.get(day)?.add(entry.hwid);
  }
  return days.map((day) => ({ label: day, value: seen.get(day)?.size ?? 0 }));
}

/** The auth log, newest first, 50 a page, and a chart of distinct devices over the last 30 days of what is loaded. */
export function Activity({ licenseKey }: { licenseKey: string }) {
  const [pages, setPages] = useState<string[]>([]);
  const cursor = pages[pages.length - 1];
  const log = useQuery(() => licenses.logs(licenseKey, { limit: 50, ...(cursor ? { cursor } : {}) }), [licenseKey, cursor]);
  const chart = useQuery(async () => {
    // Up to 500 entries (10 pages) for the chart; the log below pages on.
    const all: LogEntry[] = [];
    let next: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await licenses.logs(licenseKey, { limit: 50, ...(next ? { cursor: next } : {}) });
      all.push(...page.logs);
      next = page.cursor ?? undefined;
      if (!next) break;
    }
    return all;
  }, [licenseKey]);
  const entries = log.data?.logs ?? [];
  return (
    <Panel title="Activity">
      {chart.data && <BarChart title="Distinct devices per day (last 30 days)" points={devicesPerDay(chart.data, lastDays(30))} />}
      {log.loading && <Loading label="Loading the auth log" />}
      {!log.loading && entries.length === 0 && !cursor && (
        <Empty title="No checks yet">
          <p>Entries appear when an app validates this key.</p>
        </Empty>
      )}
      {entries.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Auth log, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">HWID</th><th scope="col">IP</th></tr></thead>
            <tbody>
              {entries.map((entry, index) => (
                <tr key={`${entry.timestamp ?? ''}-${index}`}>
                  <td>{formatDate(entry.timestamp)}</td>
                  <td>{entry.action}</td>
                  <td><StatusBadge status={entry.result} /></td>
                  <td><code>{entry.hwid ?? '—'}</code></td>
                  <td>{entry.ip}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="pager">
        {pages.length > 0 && <button type="button" class="secondary" onClick={() => setPages(pages.slice(0, -1))}>Newer entries</button>}
        {log.data?.cursor && <button type="button" class="secondary" onClick={() => setPages([...pages, log.data?.cursor ?? ''])}>Older entries</button>}
      </div>
    </Panel>
  );
}

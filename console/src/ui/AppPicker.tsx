import { useEffect } from 'preact/hooks';
import { apps } from '../api/apps';
import { useSession } from '../app/session';
import { Field } from './Field';
import { Empty, Loading } from './parts';
import { useQuery } from './useQuery';

/** The product a page works on, kept in the URL's `appId`; the first product when none is named. */
export function AppPicker({ appId, onChange }: { appId: string | undefined; onChange: (appId: string) => void }) {
  const { accountId } = useSession();
  const list = useQuery(() => apps.list(accountId), [accountId]);
  const all = list.data?.apps ?? [];
  const first = all[0]?.appId;
  useEffect(() => {
    if (!appId && first) onChange(first);
  }, [appId, first]);
  if (list.loading && !list.data) return <Loading label="Loading products" />;
  if (!list.loading && all.length === 0)
    return (
      <Empty title="No products yet">
        <p>Create a product first: <a href="/products">Products → Create a product</a>.</p>
      </Empty>
    );
  return (
    <form class="inline app-picker" onSubmit={(event) => event.preventDefault()}>
      <Field label="Product">
        <select value={appId ?? ''} onChange={(event) => onChange(event.currentTarget.value)}>
          {all.map((app) => (
            <option key={app.appId} value={app.appId}>{app.name} ({app.appId})</option>
          ))}
        </select>
      </Field>
    </form>
  );
}

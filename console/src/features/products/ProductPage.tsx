import { apps } from '../../api/apps';
import { useCan } from '../../app/session';
import { Loading, Page, Panel } from '../../ui/parts';
import { VariablesEditor } from '../../ui/VariablesEditor';
import { useAction, useQuery } from '../../ui/useQuery';
import type { Variables } from '../../api/types';
import { ProductSettings } from './ProductSettings';
import { Secrets } from './Secrets';
import { SigningKeys } from './SigningKeys';
import { Variants } from './Variants';

export function ProductPage({ appId }: { appId: string }) {
  const canEdit = useCan('manageProducts');
  const canSeeSecrets = useCan('secrets');
  const app = useQuery(() => apps.get(appId), [appId]);
  const saveVariables = useAction(async (variables: Variables) => {
    await apps.setVariables(appId, variables);
    app.reload();
  });
  if (app.loading && !app.data) return <Page title="Product"><Loading /></Page>;
  if (!app.data) return <Page title="Product"><p>This product could not be loaded. <a href="/products">Back to products</a>.</p></Page>;
  const product = app.data;
  const q = encodeURIComponent(appId);
  return (
    <Page title={product.name} actions={<><a href={`/licenses?appId=${q}`}>Licenses</a> <a href={`/webhooks?appId=${q}`}>Webhooks</a> <a href={`/security?appId=${q}`}>Security</a></>}>
      <p class="muted">App id <code>{product.appId}</code> · slug <code>{product.slug}</code></p>
      <ProductSettings app={product} canEdit={canEdit} onSaved={app.reload} />
      <Panel title="App variables">
        <VariablesEditor value={product.variables} canEdit={canEdit} busy={saveVariables.busy} onSave={(v) => void saveVariables.run(v)} />
      </Panel>
      <Variants appId={appId} canEdit={canEdit} />
      <SigningKeys appId={appId} canEdit={canEdit} />
      {canSeeSecrets && <Secrets appId={appId} />}
    </Page>
  );
}

import { Page } from '../../ui/parts';

export function ApiKeysPage() {
  return <Page title="ApiKeys"><p>Coming next.</p></Page>;
}

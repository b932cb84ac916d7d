import { Page } from '../../ui/parts';

export function WebhooksPage() {
  return <Page title="Webhooks"><p>Coming next.</p></Page>;
}

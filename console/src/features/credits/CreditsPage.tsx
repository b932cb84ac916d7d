import { Page } from '../../ui/parts';

export function CreditsPage() {
  return <Page title="Credits"><p>Coming next.</p></Page>;
}

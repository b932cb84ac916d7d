import { Page } from '../../ui/parts';

export function OverviewPage() {
  return <Page title="Overview"><p>Coming next.</p></Page>;
}

import { Page } from '../../ui/parts';

export function LicensesPage() {
  return <Page title="Licenses"><p>Coming next.</p></Page>;
}

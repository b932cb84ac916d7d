import { Page } from '../../ui/parts';

export function SecurityPage() {
  return <Page title="Security"><p>Coming next.</p></Page>;
}

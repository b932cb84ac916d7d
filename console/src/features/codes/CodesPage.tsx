import { Page } from '../../ui/parts';

export function CodesPage() {
  return <Page title="Codes"><p>Coming next.</p></Page>;
}

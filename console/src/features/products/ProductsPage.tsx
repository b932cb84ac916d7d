import { Page } from '../../ui/parts';

export function ProductsPage() {
  return <Page title="Products"><p>Coming next.</p></Page>;
}

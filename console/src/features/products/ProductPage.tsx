import { Page } from '../../ui/parts';

export function ProductPage() {
  return <Page title="Product"><p>Coming next.</p></Page>;
}

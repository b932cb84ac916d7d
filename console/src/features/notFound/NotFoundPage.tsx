import { Page } from '../../ui/parts';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>There is no console page at this address. Go to the <a href="/">overview</a> or the <a href="/products">products</a>.</p>
    </Page>
  );
}

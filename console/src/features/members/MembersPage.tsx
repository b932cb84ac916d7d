import { Page } from '../../ui/parts';

export function MembersPage() {
  return <Page title="Members"><p>Coming next.</p></Page>;
}

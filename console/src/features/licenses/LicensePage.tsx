import { Page } from '../../ui/parts';

export function LicensePage() {
  return <Page title="License"><p>Coming next.</p></Page>;
}

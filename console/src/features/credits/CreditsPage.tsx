import { credits } from '../../api/accounts';
import { useSession } from '../../app/session';
import { Loading, Page, Panel } from '../../ui/parts';
import { useQuery } from '../../ui/useQuery';

export function CreditsPage() {
  const { accountId } = useSession();
  const balance = useQuery(() => (accountId ? credits.get(accountId) : Promise.resolve(null)), [accountId]);
  return (
    <Page title="Credits">
      {balance.loading && <Loading />}
      {balance.data && (
        <Panel title="Balance">
          <p class="stat">{balance.data.unlimited ? 'Unlimited' : balance.data.balance}</p>
          <p class="muted">
            {balance.data.unlimited
              ? 'This account is not metered.'
              : 'Each successful validate costs one credit (heartbeats one in ten on average); failed checks cost nothing. The operator grants credits with the admin secret.'}
          </p>
        </Panel>
      )}
    </Page>
  );
}

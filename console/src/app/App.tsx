import { ErrorBoundary, LocationProvider, Route, Router, lazy, useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { Layout } from './Layout';
import { useSession } from './session';
import { Loading } from '../ui/parts';
import { SignInPage } from '../features/signin/SignInPage';

// One chunk per feature: the first load carries the shell and sign-in only.
const OverviewPage = lazy(() => import('../features/overview/OverviewPage').then((m) => m.OverviewPage));
const ProductsPage = lazy(() => import('../features/products/ProductsPage').then((m) => m.ProductsPage));
const ProductPage = lazy(() => import('../features/products/ProductPage').then((m) => m.ProductPage));
const LicensesPage = lazy(() => import('../features/licenses/LicensesPage').then((m) => m.LicensesPage));
const LicensePage = lazy(() => import('../features/licenses/LicensePage').then((m) => m.LicensePage));
const WebhooksPage = lazy(() => import('../features/webhooks/WebhooksPage').then((m) => m.WebhooksPage));
const SecurityPage = lazy(() => import('../features/security/SecurityPage').then((m) => m.SecurityPage));
const ApiKeysPage = lazy(() => import('../features/apiKeys/ApiKeysPage').then((m) => m.ApiKeysPage));
const MembersPage = lazy(() => import('../features/members/MembersPage').then((m) => m.MembersPage));
const CreditsPage = lazy(() => import('../features/credits/CreditsPage').then((m) => m.CreditsPage));
const CodesPage = lazy(() => import('../features/codes/CodesPage').then((m) => m.CodesPage));
const NotFoundPage = lazy(() => import('../features/notFound/NotFoundPage').then((m) => m.NotFoundPage));

/** Signed-out visitors go to /signin and come back where they were going. */
function Shell() {
  const { user } = useSession();
  const location = useLocation();
  if (location.path === '/signin') return <SignInPage />;
  return <Guarded user={user} />;
}

function Guarded({ user }: { user: ReturnType<typeof useSession>['user'] }) {
  const location = useLocation();
  useEffect(() => {
    if (user === null) location.route(`/signin?next=${encodeURIComponent(location.url)}`, true);
  }, [user, location.url]);
  if (user === undefined) return <Loading label="Restoring your session" />;
  if (user === null) return null;
  return (
    <Layout>
      <ErrorBoundary>
        <Router>
          <Route path="/" component={OverviewPage} />
          <Route path="/products" component={ProductsPage} />
          <Route path="/products/:appId" component={ProductPage} />
          <Route path="/licenses" component={LicensesPage} />
          <Route path="/licenses/:licenseKey" component={LicensePage} />
          <Route path="/webhooks" component={WebhooksPage} />
          <Route path="/security" component={SecurityPage} />
          <Route path="/settings/api-keys" component={ApiKeysPage} />
          <Route path="/settings/members" component={MembersPage} />
          <Route path="/settings/credits" component={CreditsPage} />
          <Route path="/settings/codes" component={CodesPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </ErrorBoundary>
    </Layout>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}

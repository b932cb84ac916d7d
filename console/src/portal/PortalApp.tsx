/**
 * The buyers' portal at /portal: the vendor's branding (?product=<appId>), sign-in the way the
 * product chose (a one-time code by email, or the license key), then the buyer's licenses.
 * Everything a vendor or a client app wrote (names, machine names, OS) is rendered as text.
 */
import { useEffect, useState } from 'preact/hooks';
import { useStore } from '../app/store';
import { Loading } from '../ui/parts';
import { portal, type Product } from './api';
import { buyer, signOut } from './session';
import { EmailSignIn, LicenseKeySignIn } from './SignIn';
import { Licenses } from './Licenses';
import { safeLink } from './links';

type Branding = { state: 'loading' } | { state: 'none' } | { state: 'unknown'; appId: string } | { state: 'ready'; product: Product };

function productParam(): string | null {
  const appId = new URLSearchParams(location.search).get('product')?.trim();
  return appId ? appId : null;
}

function useBranding(appId: string | null): Branding {
  const [branding, setBranding] = useState<Branding>(appId ? { state: 'loading' } : { state: 'none' });
  useEffect(() => {
    if (!appId) return;
    portal.product(appId).then(
      (product) => setBranding({ state: 'ready', product }),
      () => setBranding({ state: 'unknown', appId }),
    );
  }, [appId]);
  return branding;
}

export function PortalApp() {
  const appId = productParam();
  const branding = useBranding(appId);
  const { session, endedBecause } = useStore(buyer);
  const product = branding.state === 'ready' ? branding.product : null;
  const name = product?.name ?? null;
  const supportUrl = safeLink(product?.supportUrl);
  useEffect(() => {
    document.title = name ? `${name} · Your licenses` : 'Your licenses';
  }, [name]);

  return (
    <div class="portal">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="portal-bar">
        <div class="portal-brand">
          {product && <Logo url={product.logoUrl} />}
          <span>{name ?? 'License portal'}</span>
        </div>
        {session && (
          <div class="who">
            <span>Signed in as {'email' in session.who ? session.who.email : 'license key holder'}</span>
            <button type="button" class="secondary" onClick={() => signOut()}>Sign out</button>
          </div>
        )}
      </header>
      <main id="main" class="portal-main">
        {branding.state === 'loading' && !session ? (
          <Loading />
        ) : session ? (
          <Licenses />
        ) : (
          <SignInFor branding={branding} endedBecause={endedBecause} />
        )}
      </main>
      <footer class="portal-footer">
        {supportUrl && <a href={supportUrl} rel="noopener noreferrer" target="_blank">Contact {name} support</a>}
        <span class="muted">Licenses served by Keywarden</span>
      </footer>
    </div>
  );
}

function SignInFor({ branding, endedBecause }: { branding: Branding; endedBecause: string | null }) {
  const product = branding.state === 'ready' ? branding.product : null;
  const mode = product?.signIn ?? 'email';
  const title = product ? `Sign in to your ${product.name} licenses` : 'Sign in to your licenses';
  return (
    <section class="signin portal-signin" aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>{title}</h1>
      {endedBecause && <p class="notice" role="status">{endedBecause}</p>}
      {branding.state === 'unknown' && (
        // A product unknown and a product whose vendor turned the portal off answer alike.
        <p class="notice">No portal is open for the product this link names (<code>{branding.appId}</code>). You can still sign in with the email your licenses were sold to, or ask the vendor's support.</p>
      )}
      {mode === 'licenseKey' ? (
        <LicenseKeySignIn />
      ) : (
        <EmailSignIn appId={product?.appId ?? null} />
      )}
    </section>
  );
}

function Logo({ url }: { url: string | null | undefined }) {
  const [failed, setFailed] = useState(false);
  const src = safeLink(url);
  // Decorative: the product name stands beside it.
  return src && !failed ? <img class="portal-logo" src={src} alt="" onError={() => setFailed(true)} /> : null;
}

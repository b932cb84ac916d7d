/** The signed-in buyer's licenses: each with its devices, its releases left and its offline file. */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { Field } from '../ui/Field';
import { Empty, formatDate, Loading, StatusBadge } from '../ui/parts';
import { portal, type BuyerLicense, type Device } from './api';
import { ProblemAlert, problemOf, type Problem } from './messages';
import { download, safeLink } from './links';

export function Licenses() {
  const [licenses, setLicenses] = useState<BuyerLicense[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [tick, setTick] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    portal.licenses().then(
      (answer) => { setLicenses(answer.licenses); setProblem(null); },
      (error: unknown) => setProblem(problemOf(error)),
    );
  }, [tick]);
  // Signed in: the page's heading takes the focus, so a screen reader starts at the list.
  useEffect(() => heading.current?.focus(), []);
  const replace = (next: BuyerLicense) => setLicenses((list) => list?.map((license) => (license.licenseKey === next.licenseKey ? next : license)) ?? null);

  return (
    <>
      <h1 id="page-title" tabIndex={-1} ref={heading}>Your licenses</h1>
      <ProblemAlert problem={problem} />
      {problem && <button type="button" class="secondary" onClick={() => setTick((n) => n + 1)}>Try again</button>}
      {!licenses && !problem && <Loading label="Loading your licenses" />}
      {licenses?.length === 0 && (
        <Empty title="No license here">No license of a product with this portal was sold to this address. Try the email you bought with, or contact the vendor.</Empty>
      )}
      {licenses?.map((license) => <LicenseCard key={license.licenseKey} license={license} onChanged={replace} />)}
    </>
  );
}

function LicenseCard({ license, onChanged }: { license: BuyerLicense; onChanged: (license: BuyerLicense) => void }) {
  const headingId = useId();
  const [confirming, setConfirming] = useState<Device | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [released, setReleased] = useState<string | null>(null);
  const outcome = useRef<HTMLDivElement>(null);
  const supportUrl = safeLink(license.product.supportUrl);
  // Releases off for the product: no button that could only be refused.
  const canRelease = license.releases.perLicensePer30Days > 0;

  async function release(device: Device) {
    setBusy(true);
    setProblem(null);
    setReleased(null);
    try {
      const answer = await portal.releaseDevice(license.licenseKey, device.deviceId);
      onChanged(answer.license);
      setReleased(`Released ${machineLabel(device)}. Its app stops at its next check, and the seat is free for another machine.`);
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
      setConfirming(null);
      // The button that opened the dialog may be gone with its row: the outcome takes the focus.
      requestAnimationFrame(() => outcome.current?.focus());
    }
  }

  return (
    <section class="panel portal-license" aria-labelledby={headingId}>
      <header class="panel-header">
        <h2 id={headingId}>
          {license.product.name} <span class="muted">license <code>{license.licenseKey}</code></span>
        </h2>
      </header>
      <dl class="facts">
        <dt>Status</dt><dd><StatusBadge status={license.status} /></dd>
        <dt>Expires</dt><dd>{license.expiresAt ? formatDate(license.expiresAt) : 'never'}</dd>
        <dt>Seats used</dt><dd>{license.unlimitedHwidSlots ? `${license.seatsUsed} (no limit)` : `${license.seatsUsed} of ${license.maxHwidSlots}`}</dd>
        <dt>Releases left</dt><dd>{releasesLeft(license.releases)}</dd>
      </dl>
      <div ref={outcome} tabIndex={-1} class="portal-outcome">
        {released && <p class="notice" role="status">{released}</p>}
        <ProblemAlert problem={problem} />
      </div>
      <h3>Devices</h3>
      {license.devices.length === 0 ? (
        <Empty title="No device uses this license">The next machine your app starts on takes a seat.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Devices on license {license.licenseKey}</caption>
            <thead>
              <tr><th scope="col">Machine</th><th scope="col">OS</th><th scope="col">Last seen</th><th scope="col">First used</th><th scope="col">Machine ID</th>{canRelease && <th scope="col"><span class="visually-hidden">Action</span></th>}</tr>
            </thead>
            <tbody>
              {license.devices.map((device) => (
                <tr key={device.deviceId}>
                  <td>{device.machineName ?? <span class="muted">Unnamed machine</span>}</td>
                  <td>{device.os ?? '—'}</td>
                  <td>{formatDate(device.lastSeenAt)}</td>
                  <td>{formatDate(device.boundAt)}</td>
                  <td><code>{device.hwidShort}</code></td>
                  {canRelease && (
                    <td>
                      <button type="button" class="secondary" disabled={busy} aria-label={`Release this device: ${machineLabel(device)}`} onClick={() => setConfirming(device)}>
                        Release this device
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming && <ConfirmRelease device={confirming} license={license} busy={busy} onConfirm={() => void release(confirming)} onCancel={() => setConfirming(null)} />}
      {license.offlineFilesAllowed && <OfflineFile licenseKey={license.licenseKey} />}
      {supportUrl && <p><a href={supportUrl} rel="noopener noreferrer" target="_blank">Help with {license.product.name}</a></p>}
    </section>
  );
}

/** A modal confirmation (the browser's own dialog: focus stays inside it, Escape cancels). */
function ConfirmRelease({ device, license, busy, onConfirm, onCancel }: { device: Device; license: BuyerLicense; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const label = machineLabel(device);
  return (
    <dialog ref={dialog} class="portal-dialog" aria-labelledby={titleId} onClose={onCancel}>
      <h2 id={titleId}>Release {label}?</h2>
      <p>The app on this machine stops working at its next check, and its seat is free for another machine.</p>
      <p>{releasesLeft(license.releases)}</p>
      <div class="row">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>Yes, release this device</button>
        <button type="button" class="secondary" autoFocus onClick={() => dialog.current?.close()}>Keep it</button>
      </div>
    </dialog>
  );
}

function OfflineFile({ licenseKey }: { licenseKey: string }) {
  const [hwid, setHwid] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  async function submit() {
    setBusy(true);
    setProblem(null);
    try {
      const minted = await portal.offlineFile(licenseKey, hwid.trim());
      download(minted.fileName, minted.file, 'application/x-authforge-license');
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="portal-form" onSubmit={(event) => { event.preventDefault(); void submit(); }}>
      <h3>Offline license file</h3>
      <p>For a machine that cannot reach the internet: its app shows its machine ID on the offline activation screen.</p>
      <Field label={`Machine ID for license ${licenseKey}`} error={problem?.text ?? null}>
        <input type="text" required autoComplete="off" spellcheck={false} maxLength={256} value={hwid} onInput={(event) => setHwid(event.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={busy}>Download offline file</button>
    </form>
  );
}

function machineLabel(device: Device): string {
  return device.machineName ?? `the machine ${device.hwidShort}`;
}

function releasesLeft(releases: BuyerLicense['releases']): string {
  if (releases.perLicensePer30Days === 0) return 'The vendor releases devices of this license only through its support.';
  if (releases.remaining > 0) return `${releases.remaining} of ${releases.perLicensePer30Days} device releases left in any 30 days.`;
  return `No device release left now: the next is possible on ${releases.nextAvailableAt ? formatDate(releases.nextAvailableAt) : 'a later day'}.`;
}

import { useState } from 'preact/hooks';
import { apps } from '../../api/apps';
import { Panel, ShownOnce } from '../../ui/parts';
import { useAction } from '../../ui/useQuery';

/** App, payment and session secrets: rotated here, a new secret shown once. */
export function Secrets({ appId }: { appId: string }) {
  const [shown, setShown] = useState<{ label: string; value: string } | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const rotateApp = useAction(async () => {
    if (!confirm('Rotate the app secret? Shipped apps using the old secret stop validating until updated.')) return;
    setShown({ label: 'App secret', value: (await apps.rotateAppSecret(appId)).appSecret });
  });
  const rotatePayment = useAction(async () => {
    if (!confirm('Rotate the payment webhook secret? Update your payment provider with the new one.')) return;
    setShown({ label: 'Payment secret', value: (await apps.rotatePaymentSecret(appId)).paymentSecret });
  });
  const rotateSession = useAction(async () => {
    if (!confirm('Rotate the session secret? Every open session ends at its next call.')) return;
    await apps.rotateSessionSecret(appId);
    setNote('Session secret rotated: open sessions end at their next heartbeat.');
  });
  return (
    <Panel title="Secrets">
      <p>Secrets are stored only as hashes or sealed: a rotated secret is shown once.</p>
      {shown && <ShownOnce label={shown.label} value={shown.value} onDone={() => setShown(null)} />}
      {note && <p role="status">{note}</p>}
      <div class="row">
        <button type="button" onClick={() => void rotateApp.run()} disabled={rotateApp.busy}>Rotate app secret</button>
        <button type="button" onClick={() => void rotatePayment.run()} disabled={rotatePayment.busy}>Rotate payment secret</button>
        <button type="button" class="secondary" onClick={() => void rotateSession.run()} disabled={rotateSession.busy}>Rotate session secret</button>
      </div>
    </Panel>
  );
}

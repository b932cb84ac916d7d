import { useState } from 'preact/hooks';
import { licenses, type Simulation } from '../../api/licenses';
import { Field } from '../../ui/Field';
import { Panel, StatusBadge } from '../../ui/parts';
import { useAction } from '../../ui/useQuery';

/** The answer a client would get right now, and the rule that decides it; the server writes nothing. */
export function Simulate({ licenseKey, hwids }: { licenseKey: string; hwids: string[] }) {
  const [hwid, setHwid] = useState(hwids[0] ?? '');
  const [ip, setIp] = useState('');
  const [answer, setAnswer] = useState<Simulation | null>(null);
  const run = useAction(async () => setAnswer(await licenses.simulate(licenseKey, hwid, ip.trim() || undefined)));
  return (
    <Panel title="Simulate a check">
      <form class="inline" onSubmit={(e) => { e.preventDefault(); void run.run(); }}>
        <Field label="Machine HWID"><input required maxLength={256} value={hwid} onInput={(e) => setHwid(e.currentTarget.value)} list="known-hwids" /></Field>
        <datalist id="known-hwids">{hwids.map((h) => <option key={h} value={h} />)}</datalist>
        <Field label="Caller IP" description="Optional: without it the IP lists are not checked."><input value={ip} onInput={(e) => setIp(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={run.busy}>Simulate</button>
      </form>
      {answer && (
        <div class="simulation" role="status">
          <p>
            <StatusBadge status={answer.status === 'ok' ? 'ok' : 'failed'} /> HTTP {answer.httpStatus}
            {answer.error && <> · <code>{answer.error}</code></>} · {answer.message}
          </p>
          <dl class="facts">
            <dt>Deciding rule</dt><dd>{answer.rule}</dd>
            <dt>Door</dt><dd>{answer.door}</dd>
            <dt>Would bind this device</dt><dd>{answer.wouldBindDevice ? 'yes' : 'no'}</dd>
            <dt>IP checked</dt><dd>{answer.ipChecked ? 'yes' : 'no'}</dd>
            {answer.notSimulated.length > 0 && <><dt>Not simulated</dt><dd>{answer.notSimulated.join(', ')}</dd></>}
          </dl>
          <p class="muted">Nothing was written: no credit, no log entry, no device bound.</p>
        </div>
      )}
    </Panel>
  );
}

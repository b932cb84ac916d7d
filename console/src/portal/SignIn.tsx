/** Sign-in: a one-time code sent to the email a license was sold to, or the license key alone. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Field } from '../ui/Field';
import { portal } from './api';
import { ProblemAlert, problemOf, type Problem } from './messages';
import { signIn } from './session';

function useSubmit<A extends unknown[]>(run: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (...args: A) => {
    setBusy(true);
    setProblem(null);
    try {
      await run(...args);
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  };
  return { busy, problem, submit, clear: () => setProblem(null) };
}

export function EmailSignIn({ appId }: { appId: string | null }) {
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  // The address the last code went to: the code step shows while it is set.
  const [sentTo, setSentTo] = useState<string | null>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (sentTo !== null) codeInput.current?.focus();
  }, [sentTo]);
  const request = useSubmit(async () => {
    await portal.requestCode(email.trim(), appId);
    setSentTo(email.trim());
    setCode('');
  });
  const verify = useSubmit(async () => {
    if (!sentTo) return;
    const answer = await portal.signIn(sentTo, code.trim());
    signIn({ token: answer.token, expiresAt: answer.expiresAt, who: { email: answer.email } });
  });

  if (sentTo === null) {
    return (
      // Keyed: the two steps never share DOM (a reused code input would keep its pattern on the email input).
      <form key="email" class="portal-form" onSubmit={(event) => { event.preventDefault(); void request.submit(); }}>
        <p>Enter the email address your license was sold to. We send a one-time code to it.</p>
        <Field label="Email">
          <input type="email" required autoComplete="email" maxLength={320} value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        </Field>
        <ProblemAlert problem={request.problem} />
        <button type="submit" disabled={request.busy}>Send code</button>
      </form>
    );
  }

  return (
    <form key="code" class="portal-form" onSubmit={(event) => { event.preventDefault(); void verify.submit(); }}>
      {/* The same words whether or not the address has licenses: the page never tells. */}
      <p class="notice" role="status">
        If <strong>{sentTo}</strong> has licenses, we sent it a 6-digit code. The code works for 15 minutes.
      </p>
      <Field label="Code" description="The 6 digits from the email." error={verify.problem?.text ?? null}>
        <input
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          required
          ref={codeInput}
          value={code}
          onInput={(event) => setCode(event.currentTarget.value.replace(/\D/g, ''))}
        />
      </Field>
      <ProblemAlert problem={request.problem} />
      <div class="row">
        <button type="submit" disabled={verify.busy}>Sign in</button>
        <button type="button" class="secondary" disabled={request.busy} onClick={() => { verify.clear(); void request.submit(); }}>Send a new code</button>
        <button type="button" class="secondary" onClick={() => { verify.clear(); request.clear(); setSentTo(null); }}>Use another email</button>
      </div>
    </form>
  );
}

export function LicenseKeySignIn() {
  const [licenseKey, setLicenseKey] = useState('');
  const verify = useSubmit(async () => {
    const answer = await portal.signInWithLicenseKey(licenseKey.trim());
    signIn({ token: answer.token, expiresAt: answer.expiresAt, who: { licenseKey: answer.licenseKey } });
  });
  return (
    <form class="portal-form" onSubmit={(event) => { event.preventDefault(); void verify.submit(); }}>
      <p>Enter your license key to see its devices.</p>
      <Field label="License key" error={verify.problem?.text ?? null}>
        <input type="text" required autoComplete="off" spellcheck={false} maxLength={64} value={licenseKey} onInput={(event) => setLicenseKey(event.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={verify.busy}>Sign in</button>
    </form>
  );
}

import { useState } from 'preact/hooks';
import { members } from '../../api/accounts';
import type { Role } from '../../api/types';
import { useCan, useSession } from '../../app/session';
import { Field } from '../../ui/Field';
import { Empty, formatDate, Loading, Page, Panel } from '../../ui/parts';
import { useAction, useQuery } from '../../ui/useQuery';

const roles: Role[] = ['owner', 'admin', 'support', 'viewer'];
const roleSays: Record<Role, string> = {
  owner: 'everything, members and keys',
  admin: 'everything but members',
  support: 'licenses, devices, logs, offline files',
  viewer: 'read only',
};
const asRole = (value: string): Role => roles.find((r) => r === value) ?? 'viewer';

export function MembersPage() {
  const { accountId, user } = useSession();
  const canManage = useCan('members');
  const list = useQuery(() => (accountId ? members.list(accountId) : Promise.resolve(null)), [accountId]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('support');
  const [note, setNote] = useState<string | null>(null);
  const act = useAction(async (work: () => Promise<unknown>) => { await work(); list.reload(); });
  if (!accountId) return <Page title="Members"><p>Select an account first.</p></Page>;
  const people = list.data?.members ?? [];
  const invitations = list.data?.invitations ?? [];
  return (
    <Page title="Members">
      {list.loading && <Loading />}
      {people.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Members</caption>
            <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Since</th>{canManage && <th scope="col">Actions</th>}</tr></thead>
            <tbody>
              {people.map((m) => (
                <tr key={m.uid}>
                  <td>{m.email}{m.uid === user?.uid && ' (you)'}</td>
                  <td>
                    {canManage ? (
                      <select aria-label={`Role of ${m.email}`} value={m.role} onChange={(e) => void act.run(() => members.changeRole(accountId, m.uid, asRole(e.currentTarget.value)))}>
                        {roles.map((r) => <option key={r} value={r}>{r}</option>)}
                      </select>
                    ) : m.role}
                  </td>
                  <td>{formatDate(m.createdAt)}</td>
                  {canManage && (
                    <td>
                      <button type="button" class="danger" aria-label={`Remove ${m.email}`} onClick={() => { if (confirm(`Remove ${m.email}? Their access ends at their next request.`)) void act.run(() => members.remove(accountId, m.uid)); }}>Remove</button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Panel title="Pending invitations">
        {invitations.length === 0 ? (
          <Empty title="No pending invitation">{canManage ? 'Invite a teammate below; they accept by signing in with that email.' : null}</Empty>
        ) : (
          <ul class="cards">
            {invitations.map((i) => (
              <li class="card" key={i.invitationId}>
                {i.email} as <strong>{i.role}</strong>, expires {formatDate(i.expiresAt)}{' '}
                {canManage && <button type="button" class="secondary" aria-label={`Cancel the invitation of ${i.email}`} onClick={() => void act.run(() => members.cancelInvitation(accountId, i.invitationId))}>Cancel</button>}
              </li>
            ))}
          </ul>
        )}
      </Panel>
      {canManage && (
        <Panel title="Invite a teammate">
          <form class="inline" onSubmit={(e) => { e.preventDefault(); void act.run(async () => { await members.invite(accountId, email, role); setNote(`Invited ${email}: they sign in at this console with that address to accept.`); setEmail(''); }); }}>
            <Field label="Teammate email"><input type="email" required maxLength={320} value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></Field>
            <Field label="Role" description={roleSays[role]}>
              <select value={role} onChange={(e) => setRole(asRole(e.currentTarget.value))}>
                {roles.map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            </Field>
            <button type="submit" disabled={act.busy}>Send invitation</button>
          </form>
          {note && <p role="status">{note}</p>}
        </Panel>
      )}
    </Page>
  );
}

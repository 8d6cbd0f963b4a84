'use client';
// Settings: serving API keys (created keys are shown once; revoke) and the console's admin users.
import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../../components/confirm-dialog';
import { DataTable } from '../../../components/data-table';
import { PageHeader } from '../../../components/page-header';
import { QueryView } from '../../../components/query-state';
import { StatusBadge } from '../../../components/status-badge';
import { errorMessage, formatDate } from '../../../lib/format';
import { useCanEdit, useSession } from '../../../lib/session';
import { trpc, type RouterInputs } from '../../../lib/trpc';

const SCOPES = ['recommend', 'ingest', 'admin'] as const;
type Scope = RouterInputs['admin']['settings']['apiKeys']['create']['scopes'][number];
type Role = RouterInputs['admin']['settings']['users']['create']['role'];

function ApiKeys() {
  const canEdit = useCanEdit();
  const utils = trpc.useUtils();
  const keys = trpc.admin.settings.apiKeys.list.useQuery();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['recommend']);
  const [formError, setFormError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<{ id: number; name: string } | null>(null);
  const create = trpc.admin.settings.apiKeys.create.useMutation({ onSuccess: () => utils.admin.settings.apiKeys.list.invalidate() });
  const revoke = trpc.admin.settings.apiKeys.revoke.useMutation({
    onSuccess: async () => {
      setRevoking(null);
      await utils.admin.settings.apiKeys.list.invalidate();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setFormError('Name the key (who or what uses it).');
    if (scopes.length === 0) return setFormError('Choose at least one scope.');
    setFormError(null);
    create.mutate({ name: name.trim(), scopes });
  };
  return (
    <div className="card">
      <h2>API keys</h2>
      <p className="muted small" style={{ marginTop: -6 }}>
        Bearer keys for the serving API. Only a hash is stored: a new key is shown once.
      </p>
      {canEdit ? (
        <form onSubmit={submit} aria-label="Create an API key" className="toolbar">
          <label className="field">
            Name
            <input aria-label="Key name" value={name} onChange={(e) => setName(e.target.value)} placeholder="storefront" />
          </label>
          <fieldset className="row" style={{ border: 'none', padding: 0, margin: 0 }}>
            {SCOPES.map((s) => (
              <label key={s} className="row" style={{ gap: 4 }}>
                <input type="checkbox" aria-label={`Scope ${s}`} checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
                {s}
              </label>
            ))}
          </fieldset>
          <button className="primary" type="submit" disabled={create.isPending}>
            Create key
          </button>
        </form>
      ) : null}
      {formError ? <div className="form-error">{formError}</div> : null}
      {create.error ? <div className="form-error">{errorMessage(create.error)}</div> : null}
      <QueryView query={keys} isEmpty={(d) => d.length === 0} empty="No API keys.">
        {(rows) => (
          <DataTable
            testId="api-keys"
            rows={rows}
            rowKey={(k) => k.id}
            columns={[
              { header: 'Name', cell: (k) => k.name },
              { header: 'Key', cell: (k) => <span className="mono">{k.prefix}…</span> },
              { header: 'Scopes', cell: (k) => k.scopes.join(', ') },
              { header: 'Created', cell: (k) => formatDate(k.createdAt) },
              { header: 'Last used', cell: (k) => formatDate(k.lastUsedAt) },
              { header: 'State', cell: (k) => <StatusBadge status={k.revokedAt ? 'revoked' : 'active'} /> },
              {
                header: '',
                cell: (k) =>
                  canEdit && !k.revokedAt ? (
                    <button className="small" onClick={() => setRevoking({ id: k.id, name: k.name })}>
                      Revoke
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
      {create.data ? (
        <div className="overlay">
          <div className="dialog" role="dialog" aria-label="New API key">
            <h2>API key “{create.data.name}” created</h2>
            <p>Copy it now: it is not shown again.</p>
            <div className="secret" data-testid="new-api-key">
              {create.data.key}
            </div>
            <div className="row">
              <button onClick={() => navigator.clipboard?.writeText(create.data!.key)}>Copy</button>
              <button
                className="primary"
                onClick={() => {
                  create.reset();
                  setName('');
                }}
              >
                Done
              </button>
            </div>
          </div>
        </div>
      ) : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke"
          danger
          busy={revoke.isPending}
          error={revoke.error ? errorMessage(revoke.error) : null}
          onCancel={() => setRevoking(null)}
          onConfirm={() => revoke.mutate({ id: revoking.id })}
        >
          <p>Requests with this key are refused from now on (within a few seconds on every server).</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function AdminUsers() {
  const canEdit = useCanEdit();
  const me = useSession();
  const utils = trpc.useUtils();
  const users = trpc.admin.settings.users.list.useQuery();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [disabling, setDisabling] = useState<{ id: number; email: string } | null>(null);
  const refresh = () => utils.admin.settings.users.list.invalidate();
  const create = trpc.admin.settings.users.create.useMutation({
    onSuccess: async () => {
      setEmail('');
      setPassword('');
      await refresh();
    },
  });
  const setUserRole = trpc.admin.settings.users.setRole.useMutation({ onSuccess: refresh });
  const disable = trpc.admin.settings.users.disable.useMutation({
    onSuccess: async () => {
      setDisabling(null);
      await refresh();
    },
  });
  return (
    <div className="card">
      <h2>Console users</h2>
      {canEdit ? (
        <form
          aria-label="Add a console user"
          className="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ email: email.trim(), password, role });
          }}
        >
          <label className="field">
            Email
            <input aria-label="New user email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label className="field">
            Password
            <input aria-label="New user password" type="password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <label className="field">
            Role
            <select aria-label="New user role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <option value="viewer">viewer</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <button className="primary" type="submit" disabled={create.isPending}>
            Add user
          </button>
        </form>
      ) : null}
      {create.error ? <div className="form-error">{errorMessage(create.error)}</div> : null}
      {setUserRole.error ? <div className="form-error">{errorMessage(setUserRole.error)}</div> : null}
      <QueryView query={users} isEmpty={(d) => d.length === 0} empty="No console users.">
        {(rows) => (
          <DataTable
            testId="admin-users"
            rows={rows}
            rowKey={(u) => u.id}
            columns={[
              { header: 'Email', cell: (u) => `${u.email}${u.email === me.email ? ' (you)' : ''}` },
              {
                header: 'Role',
                cell: (u) =>
                  canEdit && !u.disabledAt ? (
                    <select aria-label={`Role of ${u.email}`} value={u.role} onChange={(e) => setUserRole.mutate({ id: u.id, role: e.target.value as Role })}>
                      <option value="admin">admin</option>
                      <option value="viewer">viewer</option>
                    </select>
                  ) : (
                    <StatusBadge status={u.role} />
                  ),
              },
              { header: 'Created', cell: (u) => formatDate(u.createdAt) },
              { header: 'State', cell: (u) => <StatusBadge status={u.disabledAt ? 'disabled' : 'active'} /> },
              {
                header: '',
                cell: (u) =>
                  canEdit && !u.disabledAt && u.email !== me.email ? (
                    <button className="small" onClick={() => setDisabling({ id: u.id, email: u.email })}>
                      Disable
                    </button>
                  ) : null,
              },
            ]}
          />
        )}
      </QueryView>
      {disabling ? (
        <ConfirmDialog
          title={`Disable ${disabling.email}?`}
          confirmLabel="Disable"
          danger
          busy={disable.isPending}
          error={disable.error ? errorMessage(disable.error) : null}
          onCancel={() => setDisabling(null)}
          onConfirm={() => disable.mutate({ id: disabling.id })}
        >
          <p>They are signed out and cannot sign in again.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

export default function SettingsPage() {
  return (
    <>
      <PageHeader title="Settings" description="Access to the serving API and to this console." />
      <ApiKeys />
      <AdminUsers />
    </>
  );
}

'use client';
// Email and password against admin.auth.signIn; the API sets the httpOnly session cookie and returns the
// CSRF token for the mutations that follow.
import { useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { setCsrfToken } from '../../lib/csrf';
import { errorMessage } from '../../lib/format';
import { trpc } from '../../lib/trpc';

export function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const utils = trpc.useUtils();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const signIn = trpc.admin.auth.signIn.useMutation({
    onSuccess: async (session) => {
      setCsrfToken(session.csrfToken);
      utils.admin.auth.me.setData(undefined, session);
      const next = params.get('next');
      router.replace(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ email: email.trim(), password });
  };
  return (
    <div className="signin">
      <form onSubmit={submit} aria-label="Sign in">
        <h1>
          <span>◆</span> Cascade console
        </h1>
        <p className="muted" style={{ margin: 0 }}>
          Sign in with your admin account.
        </p>
        <label className="field">
          Email
          <input name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label className="field">
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button className="primary" type="submit" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        {signIn.error ? (
          <div className="form-error" role="alert">
            {errorMessage(signIn.error)}
          </div>
        ) : null}
      </form>
    </div>
  );
}

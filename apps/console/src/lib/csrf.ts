// The session's CSRF token, sent as `x-cascade-csrf` with every tRPC request. It comes from signIn and
// from me(); the session cookie itself is httpOnly and never visible to scripts.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

// The console's session cookie: httpOnly (scripts never see it), SameSite=Lax (not sent on cross-site
// POSTs), Path=/; `Secure` when CASCADE_COOKIE_SECURE=1 (the console served over HTTPS).
export const SESSION_COOKIE = 'cascade_session';
export const CSRF_HEADER = 'x-cascade-csrf';

/** The value of cookie `name` in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

function attributes(maxAgeSeconds: number): string {
  const secure = process.env.CASCADE_COOKIE_SECURE === '1' ? '; Secure' : '';
  return `Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

export function sessionCookie(token: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${token}; ${attributes(Math.max(0, Math.floor(maxAgeMs / 1000)))}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; ${attributes(0)}`;
}

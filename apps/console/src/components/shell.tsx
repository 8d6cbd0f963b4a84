'use client';
// The one layout of the signed-in console: sidebar navigation, the user bar, and the page. Without a
// session it sends the browser to the sign-in page.
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { Suspense, useEffect, type ReactNode } from 'react';
import { setCsrfToken } from '../lib/csrf';
import { SessionProvider, useMe } from '../lib/session';
import { trpc } from '../lib/trpc';
import { ErrorState, Loading } from './query-state';
import { StatusBadge } from './status-badge';

const NAV: { group: string; links: { href: string; label: string }[] }[] = [
  { group: 'Monitor', links: [{ href: '/', label: 'Overview' }] },
  {
    group: 'Data',
    links: [
      { href: '/catalogue/items', label: 'Items' },
      { href: '/catalogue/users', label: 'Users' },
    ],
  },
  {
    group: 'Recommend',
    links: [
      { href: '/inspector', label: 'Inspector' },
      { href: '/models', label: 'Models' },
      { href: '/jobs', label: 'Jobs' },
    ],
  },
  {
    group: 'Explore',
    links: [
      { href: '/exploration', label: 'Exploration' },
      { href: '/experiments', label: 'Experiments' },
    ],
  },
  { group: 'Admin', links: [{ href: '/settings', label: 'Settings' }] },
];

function isActive(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

function SignOutButton() {
  const router = useRouter();
  const utils = trpc.useUtils();
  const signOut = trpc.admin.auth.signOut.useMutation({
    onSettled: () => {
      setCsrfToken(null);
      utils.invalidate();
      router.replace('/sign-in');
    },
  });
  return (
    <button onClick={() => signOut.mutate()} disabled={signOut.isPending}>
      Sign out
    </button>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  const router = useRouter();
  const me = useMe();
  const signedOut = me.isSuccess && me.data === null;
  useEffect(() => {
    if (signedOut) router.replace(`/sign-in?next=${encodeURIComponent(pathname)}`);
  }, [signedOut, pathname, router]);

  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="sidebar-inner">
        <div className="brand">
          <span>◆</span> Cascade
        </div>
        <nav className="nav">
          {NAV.map((group) => (
            <div key={group.group}>
              <div className="nav-group">{group.group}</div>
              {group.links.map((link) => (
                <Link key={link.href} href={link.href} className={isActive(pathname, link.href) ? 'active' : undefined}>
                  {link.label}
                </Link>
              ))}
            </div>
          ))}
        </nav>
        </div>
      </aside>
      <div className="main">
        <header className="topbar">
          {me.data ? (
            <>
              <span data-testid="signed-in-user">{me.data.email}</span>
              <StatusBadge status={me.data.role} />
              <SignOutButton />
            </>
          ) : (
            <span className="muted">…</span>
          )}
        </header>
        <main className="content">
          {me.error ? (
            <ErrorState error={me.error} retry={me.refetch} />
          ) : !me.data ? (
            <Loading lines={6} />
          ) : (
            <SessionProvider user={{ email: me.data.email, role: me.data.role }}>
              <Suspense fallback={<Loading lines={6} />}>{children}</Suspense>
            </SessionProvider>
          )}
        </main>
      </div>
    </div>
  );
}

'use client';
// Page state kept in the URL's query string (page number, search, filters), so a table view can be
// reloaded, shared and navigated back to.
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback } from 'react';

export function useUrlState() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const get = useCallback((name: string, fallback = ''): string => params.get(name) ?? fallback, [params]);
  const getInt = useCallback(
    (name: string, fallback: number): number => {
      const n = Number(params.get(name));
      return Number.isInteger(n) && n > 0 ? n : fallback;
    },
    [params],
  );
  const set = useCallback(
    (changes: Record<string, string | number | null | undefined>) => {
      const next = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === undefined || v === '') next.delete(k);
        else next.set(k, String(v));
      }
      const query = next.toString();
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  return { get, getInt, set };
}

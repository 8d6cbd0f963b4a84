'use client';
// A search input that commits its value after the user pauses typing (or presses Enter).
import { useEffect, useState } from 'react';

export function SearchBox({ value, onChange, placeholder, label = 'Search' }: { value: string; onChange: (value: string) => void; placeholder?: string; label?: string }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const timer = setTimeout(() => onChange(draft.trim()), 350);
    return () => clearTimeout(timer);
  }, [draft, value, onChange]);
  return (
    <label className="field">
      {label}
      <input
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={draft}
        style={{ width: 280 }}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onChange(draft.trim());
        }}
      />
    </label>
  );
}

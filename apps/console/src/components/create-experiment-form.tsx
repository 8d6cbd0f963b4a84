'use client';
// Creates an A/B experiment on a placement: two or more variants, each with a traffic weight and an
// exploration policy.
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../lib/format';
import { parsePolicy, POLICY_KINDS } from '../lib/policy-form';
import { PolicyKindSelect } from './policy-kind-select';
import { trpc, type RouterInputs } from '../lib/trpc';

type CreateInput = RouterInputs['admin']['experiments']['create'];

interface VariantDraft {
  name: string;
  weight: string;
  kind: string;
  values: Record<string, string>;
}

const DEFAULT_VARIANTS: VariantDraft[] = [
  { name: 'control', weight: '1', kind: 'thompson', values: {} },
  { name: 'egreedy', weight: '1', kind: 'egreedy', values: { epsilon: '0.1' } },
];

export function CreateExperimentForm({ onCreated }: { onCreated: (key: string) => void }) {
  const utils = trpc.useUtils();
  const placements = trpc.admin.explore.placements.useQuery();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [placement, setPlacement] = useState('home');
  const [variants, setVariants] = useState<VariantDraft[]>(DEFAULT_VARIANTS);
  const [error, setError] = useState<string | null>(null);
  const create = trpc.admin.experiments.create.useMutation({
    onSuccess: async (record) => {
      await utils.admin.experiments.invalidate();
      onCreated(record.key);
    },
  });
  const update = (i: number, change: Partial<VariantDraft>) => setVariants(variants.map((v, j) => (j === i ? { ...v, ...change } : v)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(key.trim())) return setError('Key: letters, digits, dots, dashes and underscores, starting with a letter or digit.');
    if (!name.trim()) return setError('Name is required.');
    if (!placement.trim()) return setError('Placement is required.');
    if (variants.length < 2) return setError('An experiment needs at least two variants.');
    const built: CreateInput['variants'] = [];
    const names = new Set<string>();
    for (const [i, v] of variants.entries()) {
      if (!v.name.trim()) return setError(`Variant ${i + 1}: name is required.`);
      if (names.has(v.name.trim())) return setError(`Variant ${i + 1}: the name "${v.name.trim()}" is repeated.`);
      names.add(v.name.trim());
      const weight = Number(v.weight);
      if (!Number.isFinite(weight) || weight <= 0) return setError(`Variant ${i + 1}: weight must be a number above 0.`);
      const policy = parsePolicy(v.kind, v.values);
      if (policy.error) return setError(`Variant ${i + 1}: ${policy.error}.`);
      built.push({ name: v.name.trim(), weight, policy: policy.policy as CreateInput['variants'][number]['policy'] });
    }
    setError(null);
    create.mutate({ key: key.trim(), name: name.trim(), placement: placement.trim(), variants: built });
  };

  return (
    <form onSubmit={submit} aria-label="Create an experiment">
      <div className="form-grid">
        <label className="field">
          Key
          <input aria-label="Key" name="key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="home-egreedy-test" />
        </label>
        <label className="field">
          Name
          <input aria-label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="ε-greedy vs Thompson on home" />
        </label>
        <label className="field">
          Placement
          <input aria-label="Experiment placement" name="placement" list="experiment-placements" value={placement} onChange={(e) => setPlacement(e.target.value)} />
          <datalist id="experiment-placements">
            {placements.data?.map((p) => <option key={p.placement} value={p.placement} />)}
          </datalist>
        </label>
      </div>
      <h3 style={{ marginTop: 16 }}>Variants (the first is the control)</h3>
      {variants.map((v, i) => {
        const spec = POLICY_KINDS.find((k) => k.kind === v.kind);
        return (
          <div key={i} className="row" style={{ alignItems: 'flex-end', marginBottom: 8 }} data-testid={`variant-${i}`}>
            <label className="field">
              Name
              <input aria-label={`Variant ${i + 1} name`} value={v.name} onChange={(e) => update(i, { name: e.target.value })} style={{ width: 130 }} />
            </label>
            <label className="field">
              Weight
              <input aria-label={`Variant ${i + 1} weight`} value={v.weight} onChange={(e) => update(i, { weight: e.target.value })} style={{ width: 70 }} />
            </label>
            <PolicyKindSelect ariaLabel={`Variant ${i + 1} policy`} value={v.kind} onChange={(kind) => update(i, { kind, values: {} })} />
            {spec?.params.map((p) => (
              <label key={p.name} className="field" title={p.hint}>
                {p.label}
                <input
                  aria-label={`Variant ${i + 1} ${p.label}`}
                  value={v.values[p.name] ?? ''}
                  placeholder={p.required ? '' : 'default'}
                  onChange={(e) => update(i, { values: { ...v.values, [p.name]: e.target.value } })}
                  style={{ width: 110 }}
                />
              </label>
            ))}
            {variants.length > 2 ? (
              <button type="button" onClick={() => setVariants(variants.filter((_, j) => j !== i))}>
                Remove
              </button>
            ) : null}
          </div>
        );
      })}
      <div className="row" style={{ marginTop: 12 }}>
        <button type="button" onClick={() => setVariants([...variants, { name: `variant-${variants.length + 1}`, weight: '1', kind: 'ucb1', values: {} }])}>
          Add a variant
        </button>
        <button className="primary" type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create experiment'}
        </button>
      </div>
      {error ? <div className="form-error">{error}</div> : null}
      {create.error ? <div className="form-error">{errorMessage(create.error)}</div> : null}
    </form>
  );
}

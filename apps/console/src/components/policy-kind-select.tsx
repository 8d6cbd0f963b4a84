// The "Policy" field of a policy form (placement settings, experiment variants): one option per policy kind.
import { POLICY_KINDS } from '../lib/policy-form';

export function PolicyKindSelect({ ariaLabel, value, onChange }: { ariaLabel: string; value: string; onChange: (kind: string) => void }) {
  return (
    <label className="field">
      Policy
      <select aria-label={ariaLabel} value={value} onChange={(e) => onChange(e.target.value)}>
        {POLICY_KINDS.map((k) => (
          <option key={k.kind} value={k.kind}>
            {k.label}
          </option>
        ))}
      </select>
    </label>
  );
}

// Coloured status pills for jobs, model versions, experiments and keys.
const TONES: Record<string, string> = {
  active: 'ok',
  succeeded: 'ok',
  running: 'info',
  queued: 'warn',
  training: 'info',
  ready: 'info',
  draft: 'warn',
  stopped: '',
  retired: '',
  cancelled: '',
  failed: 'danger',
  revoked: 'danger',
  disabled: 'danger',
  admin: 'info',
  viewer: '',
  configured: 'info',
  default: '',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${TONES[status] ?? ''}`}>{status}</span>;
}

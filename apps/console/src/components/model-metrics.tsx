// The offline metrics of a model version in words: AUC and logloss for rankers, Recall and NDCG for recall.
import { formatNumber } from '../lib/format';

/** The headline metrics of a model kind, in display order. */
export const HEADLINE_METRICS: Record<string, { key: string; label: string; higherIsBetter: boolean }[]> = {
  ranker: [
    { key: 'auc', label: 'AUC', higherIsBetter: true },
    { key: 'logloss', label: 'Logloss', higherIsBetter: false },
  ],
  recall: [
    { key: 'recall', label: 'Recall', higherIsBetter: true },
    { key: 'ndcg', label: 'NDCG', higherIsBetter: true },
    { key: 'hitRate', label: 'Hit rate', higherIsBetter: true },
  ],
};

export function metricValue(metrics: Record<string, unknown> | null | undefined, key: string): number | undefined {
  const v = metrics?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function MetricsSummary({ kind, metrics }: { kind: string; metrics: Record<string, unknown> }) {
  const list = HEADLINE_METRICS[kind] ?? [];
  const k = metricValue(metrics, 'k');
  return (
    <span className="row" style={{ gap: 14 }}>
      {list.map((m) => (
        <span key={m.key}>
          <span className="muted">
            {m.label}
            {kind === 'recall' && k ? `@${k}` : ''}
          </span>{' '}
          <strong>{formatNumber(metricValue(metrics, m.key), 4)}</strong>
        </span>
      ))}
    </span>
  );
}

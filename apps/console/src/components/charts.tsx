'use client';
// The console's charts (recharts): traffic and CTR over time, stage latency, training curves, and rates
// with their confidence intervals.
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  ErrorBar,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

const BLUE = '#2f6fed';
const GREEN = '#1f8a4c';
const ORANGE = '#e07a16';
const PURPLE = '#7b4fd6';
const GREY = '#98a2b3';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function CtrChart({ data }: { data: { day: string; impressions: number; clicks: number; ctr: number }[] }) {
  return (
    <div className="chart-tall" data-testid="ctr-chart">
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eef0f3" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} minTickGap={24} />
          <YAxis yAxisId="count" tick={{ fontSize: 11 }} width={56} />
          <YAxis yAxisId="ctr" orientation="right" tickFormatter={pct} tick={{ fontSize: 11 }} width={52} />
          <Tooltip formatter={(value, name) => (name === 'CTR' ? pct(Number(value)) : Number(value).toLocaleString('en-US'))} />
          <Legend />
          <Bar yAxisId="count" dataKey="impressions" name="Impressions" fill="#c7d7fb" isAnimationActive={false} />
          <Bar yAxisId="count" dataKey="clicks" name="Clicks" fill={BLUE} isAnimationActive={false} />
          <Line yAxisId="ctr" type="monotone" dataKey="ctr" name="CTR" stroke={ORANGE} strokeWidth={2} dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export function LatencyChart({ data }: { data: { stage: string; p50Ms: number | null; p95Ms: number | null }[] }) {
  return (
    <div className="chart" data-testid="latency-chart">
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eef0f3" />
          <XAxis dataKey="stage" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} unit=" ms" width={64} />
          <Tooltip formatter={(value) => `${Number(value).toFixed(2)} ms`} />
          <Legend />
          <Bar dataKey="p50Ms" name="p50" fill={BLUE} isAnimationActive={false} />
          <Bar dataKey="p95Ms" name="p95" fill={PURPLE} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface CurvePoint {
  epoch: number;
  [metric: string]: number;
}

/** Training curves: one line per metric present in the points (loss on the left axis, AUC on the right). */
export function TrainingCurveChart({ data }: { data: CurvePoint[] }) {
  const keys = Object.keys(data[0] ?? {}).filter((k) => k !== 'epoch');
  const colours = [BLUE, ORANGE, GREEN, PURPLE, GREY];
  const rightAxis = (k: string) => /auc|ndcg|recall|hit/i.test(k);
  return (
    <div className="chart" data-testid="training-curve">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eef0f3" />
          <XAxis dataKey="epoch" tick={{ fontSize: 11 }} label={{ value: 'epoch', position: 'insideBottomRight', offset: -2, fontSize: 11 }} />
          <YAxis yAxisId="left" tick={{ fontSize: 11 }} width={56} domain={['auto', 'auto']} />
          <YAxis yAxisId="right" orientation="right" tick={{ fontSize: 11 }} width={48} domain={['auto', 'auto']} />
          <Tooltip formatter={(value) => Number(value).toFixed(4)} />
          <Legend />
          {keys.map((k, i) => (
            <Line
              key={k}
              yAxisId={rightAxis(k) ? 'right' : 'left'}
              type="monotone"
              dataKey={k}
              stroke={colours[i % colours.length]}
              strokeWidth={2}
              dot={data.length < 30}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Rates with their confidence intervals, one bar per arm or variant. */
export function IntervalChart({ data, testId }: { data: { name: string; ctr: number; lower: number; upper: number }[]; testId?: string }) {
  const rows = data.map((d) => ({ ...d, interval: [Math.max(0, d.ctr - d.lower), Math.max(0, d.upper - d.ctr)] }));
  return (
    <div className="chart" data-testid={testId ?? 'interval-chart'}>
      <ResponsiveContainer>
        <ComposedChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#eef0f3" />
          <XAxis dataKey="name" tick={{ fontSize: 11 }} interval={0} angle={rows.length > 8 ? -30 : 0} textAnchor={rows.length > 8 ? 'end' : 'middle'} height={rows.length > 8 ? 60 : 30} />
          <YAxis tickFormatter={pct} tick={{ fontSize: 11 }} width={52} />
          <Tooltip
            formatter={(value, name, item) => {
              const p = item.payload as { lower: number; upper: number };
              return name === 'CTR' ? `${pct(Number(value))} (95% CI ${pct(p.lower)} – ${pct(p.upper)})` : String(value);
            }}
          />
          {/* dot-and-whisker: every arm shows its interval, zero-click arms included */}
          <Scatter dataKey="ctr" name="CTR" fill={BLUE} isAnimationActive={false}>
            <ErrorBar dataKey="interval" width={8} strokeWidth={1.5} stroke="#1d2330" direction="y" />
          </Scatter>
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

/**
 * The frame every hand-drawn chart shares: an SVG with role="img" and a label saying what it
 * shows, axes with nice ticks, and a data table for those who cannot see the plot (screen
 * readers, keyboard users, anyone who wants the numbers).
 */
import type { ReactNode } from 'react';
import { niceTicks, type Scale } from '../lib/chart-scales.js';
import { formatNumber } from '../lib/format.js';

const chartSize = { width: 560, height: 300, left: 56, right: 16, top: 16, bottom: 44 };

/** The x and y pixel ranges inside the frame. */
export const plotArea = {
  x: [chartSize.left, chartSize.width - chartSize.right] as const,
  y: [chartSize.height - chartSize.bottom, chartSize.top] as const,
};

export function ChartFrame(props: {
  label: string;
  x: Scale;
  y: Scale;
  xLabel: string;
  yLabel: string;
  xFormat?: (value: number) => string;
  yFormat?: (value: number) => string;
  xTicks?: number[];
  children: ReactNode;
}) {
  const { x, y, width, height } = { ...props, ...chartSize };
  const xFormat = props.xFormat ?? ((v: number) => formatNumber(v));
  const yFormat = props.yFormat ?? ((v: number) => formatNumber(v));
  const xTicks = props.xTicks ?? niceTicks(x.domain[0], x.domain[1], 5);
  const yTicks = niceTicks(y.domain[0], y.domain[1], 5);
  const [x0, x1] = plotArea.x;
  const [y0, y1] = plotArea.y;
  return (
    <svg
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${width} ${height}`}
      className="chart"
      width="100%"
    >
      <g className="chart-grid">
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={x0} x2={x1} y1={y(t)} y2={y(t)} />
            <text x={x0 - 6} y={y(t)} dy="0.32em" textAnchor="end">
              {yFormat(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={x(t)} y={y0 + 16} textAnchor="middle">
            {xFormat(t)}
          </text>
        ))}
        <line className="chart-axis" x1={x0} x2={x1} y1={y0} y2={y0} />
        <line className="chart-axis" x1={x0} x2={x0} y1={y0} y2={y1} />
        <text x={(x0 + x1) / 2} y={height - 6} textAnchor="middle" className="chart-label">
          {props.xLabel}
        </text>
        <text
          transform={`translate(12 ${(y0 + y1) / 2}) rotate(-90)`}
          textAnchor="middle"
          className="chart-label"
        >
          {props.yLabel}
        </text>
      </g>
      <g>{props.children}</g>
    </svg>
  );
}

/** A legend as a list: the colour swatch is decoration, the text says everything. */
export function Legend(props: { items: { key: string; className: string; text: string }[] }) {
  return (
    <ul className="chart-legend">
      {props.items.map((item) => (
        <li key={item.key}>
          <span className={`swatch ${item.className}`} aria-hidden="true" /> {item.text}
        </li>
      ))}
    </ul>
  );
}

/** The numbers behind a chart, in a disclosure under it. */
export function DataTable(props: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <details className="chart-data">
      <summary>Data table: {props.caption}</summary>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional data, never reordered.
            <tr key={i}>
              {row.map((cell, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional.
                <td key={j}>{typeof cell === 'number' ? formatNumber(cell, 4) : cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

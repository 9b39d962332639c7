import { createHash } from 'node:crypto';
import * as vega from 'vega';
import * as vl from 'vega-lite';

// Charts drawn on the server: a Vega-Lite spec, compiled and rendered to SVG by Vega (no
// browser, no script on the page). The same data is given as a table and as CSV beside each
// chart; the SVG is only a picture of it.

/** DSFR colours: bleu France, rouge Marianne, menthe, tournesol, bleu France 525, terre battue. */
export const DSFR_COLOURS = ['#000091', '#e1000f', '#009081', '#c3992a', '#6a6af4', '#b34000'];

export interface Chart {
  id: string;
  title: string;
  /** One or two sentences a screen reader reads instead of the picture. */
  summary: string;
  /** The table under the chart (and its CSV): column labels, then rows. */
  columns: string[];
  rows: Array<Array<string | number>>;
  svg: string;
}

type Spec = Record<string, unknown>;

const CONFIG = {
  // The picture is one image, named by our aria-label; its marks, axes and legends say nothing more.
  aria: false,
  mark: { aria: false },
  font: 'Marianne, Arial, sans-serif',
  background: 'white',
  range: { category: DSFR_COLOURS },
  axis: { aria: false, labelFontSize: 12, titleFontSize: 12, labelColor: '#3a3a3a', titleColor: '#161616', gridColor: '#e5e5e5' },
  legend: { aria: false, labelFontSize: 12, titleFontSize: 12, orient: 'bottom', labelLimit: 320, columns: 2 },
  view: { stroke: null },
};

/** Rendered pictures by spec: the same data draws the same SVG, so it is drawn once. */
const drawn = new Map<string, string>();
const DRAWN_MAX = 500;

export async function render(spec: Spec, description: string): Promise<string> {
  // Nothing to draw: the summary and the empty table say so.
  if (((spec.data as { values?: unknown[] } | undefined)?.values ?? []).length === 0) return '';
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 560, description, config: CONFIG, ...spec };
  const key = createHash('sha1').update(JSON.stringify(full)).digest('base64');
  const kept = drawn.get(key);
  if (kept) return kept;
  const view = new vega.View(vega.parse(vl.compile(full as never).spec), { renderer: 'none' });
  try {
    const svg = (await view.toSVG()).replace('<svg ', `<svg role="img" aria-label="${escapeAttribute(description)}" focusable="false" `);
    if (drawn.size >= DRAWN_MAX) drawn.delete(drawn.keys().next().value!);
    drawn.set(key, svg);
    return svg;
  } finally {
    view.finalize();
  }
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Every axis and legend keeps the order of the data (sort: null): the service gives it in the order to
// show. (An explicit order made of names became a Vega expression, which a U+2028 in a name broke.)

/** A bar chart of `value` by `category`, optionally split by `series` (grouped side by side). */
export function bars(values: Array<Record<string, string | number>>, o: {
  category: string; value: string; series?: string; horizontal?: boolean; valueTitle: string; categoryTitle: string; percent?: boolean;
}): Spec {
  const cat = { field: o.category, type: 'nominal', title: o.categoryTitle, sort: null, axis: o.horizontal ? { labelLimit: 340 } : { labelAngle: 0, labelLimit: 120 } };
  const val = { field: o.value, type: 'quantitative', title: o.valueTitle, ...(o.percent ? { scale: { domain: [0, 100] } } : {}) };
  const colour = o.series ? { color: { field: o.series, type: 'nominal', title: null, sort: null } } : { color: { value: DSFR_COLOURS[0] } };
  const offset = o.series ? { [o.horizontal ? 'yOffset' : 'xOffset']: { field: o.series } } : {};
  return {
    data: { values },
    mark: { type: 'bar', tooltip: false },
    ...(o.horizontal ? { height: { step: o.series ? 12 : 18 } } : { height: 240 }),
    encoding: { ...(o.horizontal ? { y: cat, x: val } : { x: cat, y: val }), ...colour, ...offset },
  };
}

/** Bars stacked by `series` (the backlog by age). */
export function stacked(values: Array<Record<string, string | number>>, o: { category: string; value: string; series: string; valueTitle: string; categoryTitle: string }): Spec {
  return {
    data: { values },
    mark: { type: 'bar', tooltip: false },
    height: 240,
    encoding: {
      x: { field: o.category, type: 'nominal', title: o.categoryTitle, sort: null, axis: { labelAngle: 0 } },
      y: { field: o.value, type: 'quantitative', title: o.valueTitle, stack: 'zero' },
      color: { field: o.series, type: 'nominal', title: null, sort: null },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

/** Lines of `value` over `period` (ordinal labels in their order), one per `series`. */
export function lines(values: Array<Record<string, string | number>>, o: { period: string; value: string; series: string; valueTitle: string; periodTitle: string }): Spec {
  return {
    data: { values },
    mark: { type: 'line', point: true, tooltip: false },
    height: 240,
    encoding: {
      x: { field: o.period, type: 'ordinal', title: o.periodTitle, sort: null, axis: { labelAngle: -45, labelOverlap: true } },
      y: { field: o.value, type: 'quantitative', title: o.valueTitle },
      color: { field: o.series, type: 'nominal', title: null, sort: null },
      strokeDash: { field: o.series, type: 'nominal', legend: null },
    },
  };
}

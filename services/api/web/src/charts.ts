/**
 * Charts of the page: Apache ECharts, bundled with the page (web/build.ts) — only the chart kinds
 * and components registered here end up in app.js. Drawn on canvas (the SVG renderer sets style
 * attributes, which the page's CSP refuses). Every chart follows its container's size, and the
 * duty-room screen's dark theme when the page is in screen mode (body.screen).
 *
 * Tooltips are HTML written by ECharts: a formatter must pass every text from the server through
 * `escapeHtml` (topic titles and source names are crawled text).
 */
import { BarChart, LineChart, TreeChart, type BarSeriesOption, type LineSeriesOption, type TreeSeriesOption } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  MarkPointComponent,
  TooltipComponent,
  type DataZoomComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkLineComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, TreeChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, MarkLineComponent, MarkPointComponent, MarkAreaComponent, CanvasRenderer]);

/** The options of the charts this page draws (the registered kinds only). */
export type ChartOption = echarts.ComposeOption<
  BarSeriesOption | LineSeriesOption | TreeSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption | DataZoomComponentOption | MarkLineComponentOption
>;

/** Level colours, the same as the badges of app.css. */
export const LEVEL_COLORS: Record<string, string> = { none: '#9aa5b1', blue: '#1f6feb', yellow: '#d4a72c', orange: '#e8590c', red: '#c92a2a' };
/** A series palette that stays readable on white and on the duty-room screen's dark ground. */
export const PALETTE = ['#1f6feb', '#e8590c', '#2f9e44', '#ae3ec9', '#d4a72c', '#0c8599', '#c92a2a', '#5c7cfa', '#868e96'];

const TEXT_LIGHT = '#1f2933';
const TEXT_DARK = '#e6edf3';

/** Text written into an ECharts tooltip (which ECharts sets as HTML). */
export function escapeHtml(text: unknown): string {
  return echarts.format.encodeHTML(String(text ?? ''));
}

const live = new Map<HTMLElement, { chart: echarts.ECharts; observer: ResizeObserver }>();

const dark = (): boolean => document.body.classList.contains('screen');

/** The look every chart shares: the page's font, the palette, text readable on the ground. */
function base(): ChartOption {
  const text = dark() ? TEXT_DARK : TEXT_LIGHT;
  return {
    color: PALETTE,
    textStyle: { fontFamily: 'inherit', color: text },
    animationDuration: 300,
    backgroundColor: 'transparent',
    legend: { textStyle: { color: text } },
  } as ChartOption;
}

/**
 * Draws `option` into `container` (created on first use, then updated in place — no flicker when a
 * live update arrives); `label` describes the chart for screen readers.
 */
export function drawChart(container: HTMLElement, option: ChartOption, label: string): echarts.ECharts {
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', label);
  let entry = live.get(container);
  if (entry && entry.chart.isDisposed()) {
    entry.observer.disconnect();
    live.delete(container);
    entry = undefined;
  }
  if (!entry) {
    const chart = echarts.init(container, undefined, { renderer: 'canvas' });
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(container);
    entry = { chart, observer };
    live.set(container, entry);
  }
  entry.chart.setOption({ ...base(), ...option }, { notMerge: true, lazyUpdate: true });
  return entry.chart;
}

/** Frees a container's chart (a view closing, the page signing out). */
export function disposeChart(container: HTMLElement): void {
  const entry = live.get(container);
  if (!entry) return;
  entry.observer.disconnect();
  entry.chart.dispose();
  live.delete(container);
}

/** Frees every chart inside `root` (a view's section). */
export function disposeChartsIn(root: HTMLElement): void {
  for (const c of [...live.keys()]) if (root.contains(c)) disposeChart(c);
}

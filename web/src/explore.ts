import { element } from './dom.js';
import { ExploreBuilder } from './explore-builder.js';
import { Autocomplete } from './explore-complete.js';
import { formatNumber } from './format.js';
import { LiveChart } from './live-chart.js';
import { PromError, queryInstant, queryRange, type PromResult, type PromSeries } from './promql-api.js';

/** The range picker's choices, Grafana's from 5 minutes to 7 days. */
export const RANGES: Record<string, number> = {
  '5m': 300,
  '15m': 900,
  '30m': 1800,
  '1h': 3600,
  '3h': 10_800,
  '6h': 21_600,
  '12h': 43_200,
  '24h': 86_400,
  '2d': 172_800,
  '7d': 604_800,
};
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600];
/** About one point per 3 px of a wide chart: enough detail, far below PROMQL_MAX_POINTS. */
const TARGET_POINTS = 300;
const HISTORY_KEY = 'metrics-service.explore-history';
const HISTORY_SIZE = 20;

/** Step auto: the smallest round step that keeps a range under TARGET_POINTS points. */
export function autoStep(rangeSeconds: number): number {
  const wanted = rangeSeconds / TARGET_POINTS;
  return NICE_STEPS.find((s) => s >= wanted) ?? NICE_STEPS.at(-1)!;
}

/** A series named as Prometheus prints it: name{a="1", b="2"}. */
export function seriesName(metric: Readonly<Record<string, string>>): string {
  const { __name__: name = '', ...labels } = metric;
  const pairs = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 ? name || '{}' : `${name}{${pairs.join(', ')}}`;
}

/** Prometheus writes values as text, with "+Inf", "-Inf" and "NaN". */
const valueOf = (text: string): number =>
  text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);

function readHistory(): string[] {
  try {
    const parsed = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((q): q is string => typeof q === 'string') : [];
  } catch {
    return [];
  }
}

function remember(query: string): string[] {
  const history = [query, ...readHistory().filter((q) => q !== query)].slice(0, HISTORY_SIZE);
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
  } catch {
    // storage refused: the history lives for this page only
  }
  return history;
}

export interface ExploreState {
  query: string;
  range: string;
  mode: 'graph' | 'table';
}

/** The state the URL holds (#/explore?query=…&range=1h&mode=graph), so a link shows the same view. */
export function stateOf(params: URLSearchParams): ExploreState {
  const range = params.get('range') ?? '1h';
  return {
    query: params.get('query') ?? '',
    range: range in RANGES ? range : '1h',
    mode: params.get('mode') === 'table' ? 'table' : 'graph',
  };
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = element('label', {}, text);
  label.append(control);
  return label;
}

/**
 * The Explore view: a point-and-click builder that writes PromQL into a box with completion, a chart or a
 * table, a range, and a shareable URL (the expression is the state; each built change is a history entry).
 */
export function mount(container: HTMLElement, params: URLSearchParams): () => void {
  const state = stateOf(params);
  const query = element('textarea', {
    id: 'explore-query',
    rows: '2',
    spellcheck: 'false',
    placeholder: 'PromQL, e.g. sum by (route) (rate(http_requests_total[5m]))',
    'aria-label': 'PromQL expression',
    'aria-describedby': 'explore-help',
  });
  query.value = state.query;
  const range = element('select', { id: 'explore-range' });
  for (const r of Object.keys(RANGES)) range.append(element('option', { value: r }, r));
  range.value = state.range;
  const mode = element('select', { id: 'explore-mode' });
  mode.append(
    element('option', { value: 'graph' }, 'Graph (range)'),
    element('option', { value: 'table' }, 'Table (instant)'),
  );
  mode.value = state.mode;
  const run = element('button', { type: 'submit', id: 'explore-run' }, 'Run query');
  const step = element('span', { id: 'explore-step', class: 'muted' });
  const form = element('form', { class: 'explore-form', 'aria-label': 'Query' });
  const controls = element('div', { class: 'explore-controls' });
  controls.append(labelled('Range ', range), labelled('View ', mode), run, step);
  form.append(
    query,
    element(
      'p',
      { id: 'explore-help', class: 'muted hint' },
      'Enter runs, Shift+Enter adds a line, Ctrl+Space completes.',
    ),
    controls,
  );
  const error = element('div', { id: 'explore-error', role: 'alert' });
  const chartBox = element('div', { class: 'chart', id: 'explore-chart' });
  const table = element('div', { id: 'explore-table' });
  const historyList = element('ol', { id: 'explore-history', class: 'history' });
  const results = element('section', { class: 'card', 'aria-label': 'Result' });
  results.append(error, chartBox, table);
  const historyCard = element('section', { class: 'card', 'aria-labelledby': 'explore-history-title' });
  historyCard.append(element('h2', { id: 'explore-history-title' }, 'Recent queries'), historyList);
  const builder = new ExploreBuilder((expression) => {
    query.value = expression;
    void execute(true);
  });
  const top = element('section', { class: 'card' });
  top.append(element('h2', {}, 'Explore'), builder.root, form);
  container.replaceChildren(top, results, historyCard);

  const completion = new Autocomplete(query);
  const chart = new LiveChart(chartBox, formatNumber);
  let generation = 0;

  const showHistory = (history: readonly string[]): void => {
    historyList.replaceChildren(
      ...history.map((q) => {
        const item = element('li');
        const button = element('button', { type: 'button', class: 'link' }, q);
        button.addEventListener('click', () => {
          query.value = q;
          void execute();
        });
        item.append(button);
        return item;
      }),
    );
    if (history.length === 0) historyList.append(element('li', { class: 'muted' }, 'None yet.'));
  };

  const showError = (e: unknown): void => {
    const problem =
      e instanceof PromError ? e : new PromError('internal', (e as Error).message, undefined, undefined);
    error.replaceChildren(
      element('strong', {}, problem.errorType),
      element('span', {}, ` ${problem.message}`),
    );
    if (problem.column !== undefined) {
      // The line the error is on, and a caret under the column Prometheus named (1-based).
      const line = query.value.split('\n')[(problem.line ?? 1) - 1] ?? '';
      const pointer = element('pre', { class: 'error-position', 'data-column': String(problem.column) });
      pointer.textContent = `${line}\n${' '.repeat(Math.max(0, problem.column - 1))}^`;
      error.append(pointer);
    }
    error.className = 'notice error stacked';
    chartBox.hidden = true; // a result of an earlier query would read as this one's
    table.hidden = true;
  };

  const showTable = (result: PromResult): void => {
    const rows: [string, string][] =
      result.resultType === 'scalar' || result.resultType === 'string'
        ? [[result.resultType, (result.result as [number, string])[1]]]
        : (result.result as PromSeries[]).map((s) => [
            seriesName(s.metric),
            s.value?.[1] ?? s.values?.at(-1)?.[1] ?? '',
          ]);
    const t = element('table', { class: 'explore-result' });
    const head = element('tr');
    head.append(element('th', { scope: 'col' }, 'Series'), element('th', { scope: 'col' }, 'Value'));
    t.append(head);
    for (const [name, value] of rows) {
      const row = element('tr');
      row.append(element('td', {}, name), element('td', { class: 'number' }, formatNumber(valueOf(value))));
      t.append(row);
    }
    table.replaceChildren(rows.length === 0 ? element('p', { class: 'empty' }, 'Empty result.') : t);
  };

  /** Runs the box's query; `push` (a built change) makes a history entry, so back undoes it. */
  async function execute(push = false): Promise<void> {
    const expression = query.value.trim();
    const span = RANGES[range.value] ?? 3600;
    const params = new URLSearchParams({ query: expression, range: range.value, mode: mode.value });
    const hash = `#/explore?${params.toString()}`;
    if (push && window.location.hash !== hash) history.pushState(null, '', hash);
    else history.replaceState(null, '', hash);
    void builder.show(expression);
    if (expression === '') return;
    const mine = ++generation;
    error.replaceChildren();
    error.className = '';
    const end = Date.now() / 1000;
    const stepSeconds = autoStep(span);
    try {
      if (mode.value === 'table') {
        const result = await queryInstant(expression, end);
        if (mine !== generation) return;
        chartBox.hidden = true;
        table.hidden = false;
        step.textContent = '';
        showTable(result);
      } else {
        const result = await queryRange(expression, end - span, end, stepSeconds);
        if (mine !== generation) return;
        chartBox.hidden = false;
        table.hidden = true;
        step.textContent = `step ${String(stepSeconds)} s`;
        const series = new Map<string, [number, number][]>();
        for (const s of result.result as PromSeries[])
          series.set(
            seriesName(s.metric),
            (s.values ?? []).map(([t, v]): [number, number] => [t * 1000, valueOf(v)]),
          );
        chart.setHistory(series, span * 1000);
      }
      showHistory(remember(expression));
    } catch (e) {
      if (mine === generation) showError(e);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void execute();
  });
  query.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !completion.open) {
      event.preventDefault();
      void execute();
    }
  });
  range.addEventListener('change', () => void execute());
  mode.addEventListener('change', () => void execute());
  showHistory(readHistory());
  if (state.query !== '') void execute();
  return () => {
    chart.destroy();
  };
}

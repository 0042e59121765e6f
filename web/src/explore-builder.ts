import { element, keepingFocus } from './dom.js';
import {
  AGGREGATIONS,
  EMPTY_QUERY,
  OPERATORS,
  QUANTILES,
  WINDOWS,
  functionsFor,
  kindOf,
  parseBuilt,
  printQuery,
  type BuiltQuery,
  type Filter,
  type MetricKind,
  type Operator,
} from './explore-builder-query.js';
import { labelNames, labelValues, metricNames, metricTypes } from './promql-api.js';

const FUNCTION_NAMES: Record<string, string> = {
  raw: 'Raw values',
  rate: 'rate (per second)',
  increase: 'increase',
  avg_over_time: 'avg_over_time',
  max_over_time: 'max_over_time',
  min_over_time: 'min_over_time',
  quantile: 'histogram_quantile',
};

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const label = element('label', { class: 'field' }, text);
  label.append(control);
  return label;
}

function selectOf(
  id: string,
  options: readonly (readonly [string, string])[],
  value: string,
): HTMLSelectElement {
  const select = element('select', { id });
  for (const [v, text] of options) select.append(element('option', { value: v }, text));
  select.value = value;
  return select;
}

const plain = (values: readonly string[]): [string, string][] => values.map((v) => [v, v]);

/**
 * Explore's point-and-click builder: a metric (searchable, with its type and help), label filters, a
 * function suited to the metric's type, an aggregation. It owns no query: each change prints the PromQL
 * and hands it to `onChange` (which puts it in the box and the URL); `show` reads an expression back.
 */
export class ExploreBuilder {
  readonly root: HTMLFieldSetElement;
  private q: BuiltQuery = { ...EMPTY_QUERY };
  private kind: MetricKind = 'unknown';
  private labels: string[] = [];
  private readonly values = new Map<string, Promise<string[]>>();
  private readonly names: Promise<string[]>;
  private readonly types: Promise<Record<string, { type: string; help: string }>>;
  private readonly metric: HTMLInputElement;
  private readonly info: HTMLElement;
  private readonly note: HTMLElement;
  private readonly body: HTMLElement;
  private generation = 0;

  constructor(private readonly onChange: (expression: string) => void) {
    this.root = element('fieldset', { class: 'explore-builder', id: 'explore-builder' });
    this.root.append(element('legend', {}, 'Builder'));
    const names = element('datalist', { id: 'explore-metric-names' });
    this.metric = element('input', {
      id: 'explore-metric',
      type: 'search',
      list: names.id,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'Search metrics',
      'aria-describedby': 'explore-metric-info',
    });
    this.info = element('p', { id: 'explore-metric-info', class: 'muted hint' });
    this.note = element('p', { id: 'explore-builder-note', class: 'muted hint', 'aria-live': 'polite' });
    this.body = element('div', { class: 'explore-builder-body' });
    this.root.append(labelled('Metric', this.metric), names, this.info, this.body, this.note);
    this.names = metricNames().catch(() => []);
    this.types = metricTypes().catch(() => ({}));
    void this.names.then((list) => {
      names.replaceChildren(...list.map((n) => element('option', { value: n })));
    });
    // change: an option picked from the list, or Enter / leaving the box after typing a name.
    this.metric.addEventListener('change', () => void this.pickMetric(this.metric.value.trim()));
    this.draw();
  }

  /** Shows what an expression means to the builder: its parts, or a note that it was written by hand. */
  async show(expression: string): Promise<void> {
    const parsed = parseBuilt(expression);
    if (parsed === undefined) {
      this.note.textContent =
        expression.trim() === ''
          ? ''
          : 'The query was written by hand: choosing here replaces it with a built one.';
      return;
    }
    this.note.textContent = '';
    if (printQuery(parsed) === printQuery(this.q)) return;
    this.q = parsed;
    this.metric.value = parsed.metric;
    await this.loadMetric(parsed.metric);
    this.draw();
  }

  private async pickMetric(name: string): Promise<void> {
    if (name === this.q.metric) return;
    if (!(await this.names).includes(name)) {
      this.info.textContent = name === '' ? '' : `No metric named ${name}.`;
      return;
    }
    this.q = { ...EMPTY_QUERY, metric: name, window: this.q.window, quantile: this.q.quantile };
    await this.loadMetric(name);
    this.q.fn = functionsFor(this.kind)[0]!;
    this.draw();
    this.emit();
  }

  /** The metric's kind, help and label names (for the filters and the grouping). */
  private async loadMetric(name: string): Promise<void> {
    const mine = ++this.generation;
    const [types, labels] = await Promise.all([this.types, labelNames(name).catch(() => [] as string[])]);
    if (mine !== this.generation) return;
    const flat = Object.fromEntries(Object.entries(types).map(([k, v]) => [k, v.type]));
    this.kind = kindOf(name, flat);
    this.labels = labels.filter((l) => l !== '__name__');
    const help = types[name]?.help ?? types[name.replace(/_total$/, '')]?.help ?? '';
    this.info.textContent = `${this.kind}${help === '' ? '' : ` · ${help}`}`;
  }

  private emit(): void {
    this.note.textContent = '';
    this.onChange(printQuery(this.q));
  }

  private change(update: Partial<BuiltQuery>): void {
    this.q = { ...this.q, ...update };
    keepingFocus(() => {
      this.draw();
    });
    this.emit();
  }

  private draw(): void {
    if (this.q.metric === '') {
      this.body.replaceChildren();
      return;
    }
    const q = this.q;
    const functions = functionsFor(this.kind);
    if (!functions.includes(q.fn)) functions.push(q.fn); // a link's choice is kept even if unusual
    const fn = selectOf(
      'explore-fn',
      functions.map((f) => [f, FUNCTION_NAMES[f] ?? f]),
      q.fn,
    );
    fn.addEventListener('change', () => {
      this.change({ fn: fn.value as BuiltQuery['fn'] });
    });
    const row = element('div', { class: 'explore-builder-row' });
    row.append(labelled('Function', fn));
    if (q.fn !== 'raw') {
      const window = selectOf('explore-window', plain(WINDOWS), q.window);
      window.addEventListener('change', () => {
        this.change({ window: window.value });
      });
      row.append(labelled('Over', window));
    }
    if (q.fn === 'quantile') {
      const quantile = selectOf('explore-quantile', plain(QUANTILES), q.quantile);
      quantile.addEventListener('change', () => {
        this.change({ quantile: quantile.value });
      });
      row.append(labelled('Quantile', quantile));
    } else {
      const aggregation = selectOf(
        'explore-agg',
        AGGREGATIONS.map((a) => [a, a === 'none' ? 'No aggregation' : a]),
        q.aggregation,
      );
      aggregation.addEventListener('change', () => {
        this.change({ aggregation: aggregation.value as BuiltQuery['aggregation'] });
      });
      row.append(labelled('Aggregate', aggregation));
    }
    this.body.replaceChildren(this.filtersBox(), row);
    if (q.fn === 'quantile' || q.aggregation !== 'none') this.body.append(this.byBox());
  }

  private filtersBox(): HTMLElement {
    const box = element('fieldset', { id: 'explore-filters' });
    box.append(element('legend', {}, 'Label filters'));
    this.q.filters.forEach((filter, i) => {
      box.append(this.filterRow(filter, i));
    });
    const add = element('button', { type: 'button', id: 'explore-add-filter', disabled: '' }, 'Add filter');
    add.disabled = this.labels.length === 0;
    add.addEventListener('click', () => {
      const label = this.labels.find((l) => !this.q.filters.some((f) => f.label === l)) ?? this.labels[0]!;
      this.q = { ...this.q, filters: [...this.q.filters, { label, op: '=', value: '' }] };
      this.draw();
      document.getElementById(`explore-filter-${String(this.q.filters.length - 1)}-label`)?.focus();
      // Not run yet: a filter without a value would match only series without the label.
    });
    box.append(add);
    return box;
  }

  private filterRow(filter: Filter, i: number): HTMLElement {
    const id = `explore-filter-${String(i)}`;
    const labels = this.labels.includes(filter.label) ? this.labels : [filter.label, ...this.labels];
    const label = selectOf(`${id}-label`, plain(labels), filter.label);
    const op = selectOf(`${id}-op`, plain(OPERATORS), filter.op);
    const list = element('datalist', { id: `${id}-values` });
    const value = element('input', {
      id: `${id}-value`,
      list: list.id,
      autocomplete: 'off',
      spellcheck: 'false',
    });
    value.value = filter.value;
    void this.valuesOf(filter.label).then((values) => {
      list.replaceChildren(...values.map((v) => element('option', { value: v })));
    });
    const update = (patch: Partial<Filter>): void => {
      const filters = this.q.filters.map((f, j) => (j === i ? { ...f, ...patch } : f));
      // A label just picked has no value yet: wait for it rather than run `label=""`.
      if (filters[i]?.value === '') {
        this.q = { ...this.q, filters };
        keepingFocus(() => {
          this.draw();
        });
      } else this.change({ filters });
    };
    label.addEventListener('change', () => {
      update({ label: label.value, value: '' });
    });
    op.addEventListener('change', () => {
      update({ op: op.value as Operator });
    });
    value.addEventListener('change', () => {
      update({ value: value.value });
    });
    const remove = element(
      'button',
      { type: 'button', id: `${id}-remove`, class: 'link', 'aria-label': `Remove filter on ${filter.label}` },
      'Remove',
    );
    remove.addEventListener('click', () => {
      this.change({ filters: this.q.filters.filter((_, j) => j !== i) });
      document.getElementById('explore-add-filter')?.focus();
    });
    const row = element('div', {
      class: 'explore-filter',
      role: 'group',
      'aria-label': `Filter ${String(i + 1)}`,
    });
    row.append(labelled('Label', label), labelled('Operator', op), labelled('Value', value), list, remove);
    return row;
  }

  private byBox(): HTMLElement {
    const box = element('fieldset', { id: 'explore-by' });
    box.append(element('legend', {}, this.q.fn === 'quantile' ? 'Quantile per' : 'Group by'));
    for (const l of this.labels.filter((x) => x !== 'le')) {
      const check = element('input', { type: 'checkbox', id: `explore-by-${l}`, value: l });
      check.checked = this.q.by.includes(l);
      check.addEventListener('change', () => {
        const by = this.labels.filter((x) => (x === l ? check.checked : this.q.by.includes(x)));
        this.change({ by });
      });
      const label = element('label', { class: 'inline', for: check.id }, l);
      box.append(check, label);
    }
    if (this.labels.length === 0) box.append(element('span', { class: 'muted' }, 'No labels.'));
    return box;
  }

  private valuesOf(label: string): Promise<string[]> {
    const key = `${this.q.metric}\u0000${label}`;
    let values = this.values.get(key);
    if (values === undefined) {
      values = labelValues(label, this.q.metric).catch(() => []);
      this.values.set(key, values);
    }
    return values;
  }
}

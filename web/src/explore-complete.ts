import { element } from './dom.js';
import { labelNames, labelValues, metricNames, seriesOf } from './promql-api.js';

const FUNCTIONS = [
  'abs',
  'absent',
  'absent_over_time',
  'avg',
  'avg_over_time',
  'bottomk',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count',
  'count_over_time',
  'count_values',
  'delta',
  'deriv',
  'exp',
  'floor',
  'group',
  'histogram_quantile',
  'idelta',
  'increase',
  'irate',
  'label_join',
  'label_replace',
  'last_over_time',
  'ln',
  'log10',
  'log2',
  'max',
  'max_over_time',
  'min',
  'min_over_time',
  'predict_linear',
  'present_over_time',
  'quantile',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sgn',
  'sort',
  'sort_desc',
  'sqrt',
  'stddev',
  'stddev_over_time',
  'stdvar',
  'stdvar_over_time',
  'sum',
  'sum_over_time',
  'time',
  'timestamp',
  'topk',
  'vector',
];
const KEYWORDS = [
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
];
const MAX_SHOWN = 50;

/** What the cursor is in, read from the text before it. */
export type CompletionContext =
  | { kind: 'name'; prefix: string }
  | { kind: 'label'; metric: string | undefined; prefix: string }
  | { kind: 'value'; metric: string | undefined; label: string; prefix: string };

export function contextAt(text: string): CompletionContext {
  const open = text.lastIndexOf('{');
  if (open > text.lastIndexOf('}')) {
    const metric = /([a-zA-Z_:][\w:]*)\s*$/.exec(text.slice(0, open))?.[1];
    const inside = text.slice(open + 1);
    const value = /([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)$/.exec(inside);
    if (value !== null) return { kind: 'value', metric, label: value[1]!, prefix: value[2]! };
    return { kind: 'label', metric, prefix: /([a-zA-Z_]\w*)?$/.exec(inside)?.[1] ?? '' };
  }
  return { kind: 'name', prefix: /([a-zA-Z_:][\w:]*)?$/.exec(text)?.[1] ?? '' };
}

/** Whether a list made for context `a` completes the same kind of word as in context `b`. */
function sameKind(a: CompletionContext, b: CompletionContext): boolean {
  if (a.kind === 'name' || b.kind === 'name') return a.kind === b.kind;
  if (a.metric !== b.metric) return false;
  if (a.kind === 'value' && b.kind === 'value') return a.label === b.label;
  return a.kind === b.kind;
}

/** The completions for a context, from the service's /api/v1 listings (metric names read once). */
export class CompletionSource {
  private names: Promise<string[]> | undefined;

  async candidates(context: CompletionContext): Promise<{ label: string; insert: string; detail: string }[]> {
    const starts = (v: string): boolean => v.startsWith(context.prefix) && v !== context.prefix;
    if (context.kind === 'name') {
      if (context.prefix === '') return []; // nothing typed yet: no list in the way of Tab and Enter
      this.names ??= metricNames().catch(() => []);
      const metrics = (await this.names)
        .filter(starts)
        .map((m) => ({ label: m, insert: m, detail: 'metric' }));
      const functions = FUNCTIONS.filter(starts).map((f) => ({
        label: f,
        insert: `${f}(`,
        detail: 'function',
      }));
      const keywords = KEYWORDS.filter(starts).map((k) => ({ label: k, insert: k, detail: 'keyword' }));
      return [...metrics, ...functions, ...keywords].slice(0, MAX_SHOWN);
    }
    if (context.kind === 'label') {
      const names =
        context.metric === undefined
          ? await labelNames()
          : [...new Set((await seriesOf(context.metric)).flatMap((s) => Object.keys(s)))];
      return names
        .filter((n) => n !== '__name__' && (context.prefix === '' || starts(n)))
        .sort()
        .slice(0, MAX_SHOWN)
        .map((n) => ({ label: n, insert: `${n}="`, detail: 'label' }));
    }
    const values = await labelValues(context.label, context.metric);
    return values
      .filter((v) => context.prefix === '' || starts(v))
      .slice(0, MAX_SHOWN)
      .map((v) => ({ label: v, insert: `${v.replace(/["\\]/g, '\\$&')}"`, detail: context.label }));
  }
}

/**
 * A combobox on the query box: the list follows typing, ↑/↓ choose, Enter or Tab take the choice, Escape
 * closes it. Until it is open Enter belongs to the box (it runs the query).
 */
export class Autocomplete {
  private readonly list: HTMLUListElement;
  private items: { label: string; insert: string; detail: string }[] = [];
  private active = -1;
  /** The context the shown list was made for: typing on changes what a choice must replace. */
  private shownFor: CompletionContext | undefined;
  private generation = 0;

  constructor(
    private readonly input: HTMLTextAreaElement,
    private readonly source = new CompletionSource(),
  ) {
    this.list = element('ul', { id: `${input.id}-completions`, role: 'listbox', class: 'completions' });
    this.list.hidden = true;
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', this.list.id);
    input.setAttribute('aria-expanded', 'false');
    input.after(this.list);
    input.addEventListener('input', () => void this.update());
    input.addEventListener('keydown', (event) => {
      this.onKey(event);
    });
    input.addEventListener('blur', () => {
      setTimeout(() => {
        this.close();
      }, 150);
    });
  }

  get open(): boolean {
    return !this.list.hidden;
  }

  close(): void {
    this.generation++; // a list still on its way must not open again once closed (Escape, blur)
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.active = -1;
  }

  async update(): Promise<void> {
    const generation = ++this.generation;
    const context = contextAt(this.input.value.slice(0, this.input.selectionStart));
    let items: typeof this.items;
    try {
      items = await this.source.candidates(context);
    } catch {
      items = [];
    }
    if (generation !== this.generation) return; // a later keystroke asked again
    this.items = items;
    this.shownFor = context;
    if (items.length === 0) {
      this.close();
      return;
    }
    this.list.replaceChildren(
      ...items.map((item, i) => {
        const option = element('li', {
          role: 'option',
          id: `${this.list.id}-${String(i)}`,
          'aria-selected': 'false',
        });
        option.append(element('span', {}, item.label), element('small', {}, item.detail));
        option.addEventListener('mousedown', (event) => {
          event.preventDefault(); // keep the focus in the box
          this.accept(i);
        });
        return option;
      }),
    );
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.select(0);
  }

  private select(index: number): void {
    const options = [...this.list.children];
    options[this.active]?.setAttribute('aria-selected', 'false');
    this.active = (index + options.length) % options.length;
    const option = options[this.active]!;
    option.setAttribute('aria-selected', 'true');
    option.scrollIntoView({ block: 'nearest' });
    this.input.setAttribute('aria-activedescendant', option.id);
  }

  /**
   * Replaces the word being typed with the choice. The list may be from an earlier keystroke (the latest
   * one's list still on its way): the word is read from the text as it is now, and a choice that no longer
   * fits it (another kind of word, or not starting with what was typed since) inserts nothing; the
   * latest keystroke's list replaces this one when it comes.
   */
  private accept(index: number): void {
    const item = this.items[index];
    if (item === undefined || this.shownFor === undefined) return;
    const cursor = this.input.selectionStart;
    const now = contextAt(this.input.value.slice(0, cursor));
    if (!sameKind(now, this.shownFor) || !item.label.startsWith(now.prefix)) return;
    const before = this.input.value.slice(0, cursor - now.prefix.length);
    const after = this.input.value.slice(this.input.selectionEnd);
    this.input.value = before + item.insert + after;
    const at = before.length + item.insert.length;
    this.input.setSelectionRange(at, at);
    this.close();
    this.input.dispatchEvent(new Event('input')); // the next level (label → value) follows at once
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.open) {
      if (event.key === ' ' && event.ctrlKey) {
        event.preventDefault();
        void this.update();
      }
      return;
    }
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      this.select(this.active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      event.stopImmediatePropagation();
      this.accept(this.active);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      this.close();
    }
  }
}

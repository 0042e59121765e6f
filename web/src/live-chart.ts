import uPlot from 'uplot';
import { focusedSeries, focusSeries, makeLegendOperable, syncLegend } from './chart-legend.js';
import { cssColor } from './theme.js';

/** Line colours: the theme's --chart-1 … --chart-8 (a canvas cannot use var(), so they are read). */
const colorOf = (i: number): string => cssColor(`--chart-${String((i % 8) + 1)}`, '#4ea1ff');
/** Points kept per chart: live pushes append, the oldest fall off. */
const MAX_POINTS = 2000;

/**
 * A uPlot time chart that loads history once and then takes live points. Series can appear later (a
 * business metric pushed for the first time): the chart is rebuilt with the new series.
 */
export class LiveChart {
  private plot: uPlot | undefined;
  private names: string[] = [];
  private x: number[] = [];
  private ys: (number | null)[][] = [];
  /** The time span shown, ending at the newest point (the range picker's choice). */
  private spanMs = 3_600_000;
  /** Series the user hid in the legend, by name: still hidden after a rebuild (new series, theme, range). */
  private readonly hidden = new Set<string>();

  private readonly resize: ResizeObserver;

  constructor(
    readonly element: HTMLElement,
    private readonly format: (value: number) => string = (v) => String(Math.round(v * 100) / 100),
    /**
     * Gaps (no sample at a step) stay gaps by default: a line across them would invent values. `axis` labels
     * the y ticks together (one unit for all); without it each tick is `format`ted alone.
     */
    private readonly options: { spanGaps?: boolean; axis?: (ticks: number[]) => string[] } = {},
  ) {
    this.resize = new ResizeObserver(() => {
      this.plot?.setSize(this.size());
    });
    this.resize.observe(element);
    window.addEventListener('themechange', this.redraw);
  }

  /** Drawn again in the new theme's colours. */
  private readonly redraw = (): void => {
    if (this.plot !== undefined) this.rebuild();
  };

  destroy(): void {
    this.resize.disconnect();
    window.removeEventListener('themechange', this.redraw);
    this.plot?.destroy();
    this.plot = undefined;
  }

  /** Replaces everything: series name → [t ms, value] points, shown over `spanMs`. */
  setHistory(series: ReadonlyMap<string, readonly [number, number][]>, spanMs = this.spanMs): void {
    this.spanMs = spanMs;
    this.names = [...series.keys()];
    const times = new Set<number>();
    for (const points of series.values()) for (const [t] of points) times.add(t);
    this.x = [...times].sort((a, b) => a - b);
    const index = new Map(this.x.map((t, i) => [t, i]));
    this.ys = this.names.map((name) => {
      const column = new Array<number | null>(this.x.length).fill(null);
      for (const [t, v] of series.get(name) ?? []) column[index.get(t)!] = Number.isFinite(v) ? v : null;
      return column;
    });
    this.rebuild();
  }

  /** Adds one point per series at `t` (ms); unknown names add a series. */
  append(t: number, values: Readonly<Record<string, number | null>>): void {
    let added = false;
    for (const name of Object.keys(values)) {
      if (!this.names.includes(name)) {
        this.names.push(name);
        this.ys.push(new Array<number | null>(this.x.length).fill(null));
        added = true;
      }
    }
    this.x.push(t);
    this.names.forEach((name, i) => this.ys[i]!.push(values[name] ?? null));
    if (this.x.length > MAX_POINTS) {
      this.x.shift();
      for (const column of this.ys) column.shift();
    }
    if (added || this.plot === undefined) this.rebuild();
    else this.plot.setData(this.data());
  }

  private data(): uPlot.AlignedData {
    return [this.x.map((t) => t / 1000), ...this.ys] as uPlot.AlignedData;
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.element.clientWidth), height: 220 };
  }

  private rebuild(): void {
    const focused = focusedSeries(this.element);
    this.plot?.destroy();
    this.element.replaceChildren();
    if (this.names.length === 0) {
      this.plot = undefined;
      const empty = document.createElement('p');
      empty.className = 'empty';
      empty.textContent = 'No data in this range yet.';
      this.element.append(empty);
      return;
    }
    const format = this.format;
    const muted = cssColor('--muted', '#8a96a3');
    const line = cssColor('--line', '#262d37');
    this.plot = new uPlot(
      {
        ...this.size(),
        // The chosen range, ending now: a chart with few points still reads as a timeline.
        scales: {
          x: {
            time: true,
            // From the data's last time, not uPlot's max: with a single point uPlot widens max by a day.
            range: () => {
              const end = Math.max((this.x.at(-1) ?? 0) / 1000, Date.now() / 1000);
              return [end - this.spanMs / 1000, end];
            },
          },
        },
        series: [
          {},
          ...this.names.map((label, i) => ({
            label,
            stroke: colorOf(i),
            width: 1.5,
            show: !this.hidden.has(label),
            spanGaps: this.options.spanGaps ?? false,
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
        axes: [
          { stroke: muted, grid: { stroke: line } },
          {
            stroke: muted,
            grid: { stroke: line },
            values: (_u, ticks) => this.options.axis?.(ticks) ?? ticks.map(format),
            // Wide enough for the longest label ("1.25 s", "450 ms", "12.5 k/s"): none is ever cut.
            size: (_u, values: string[] | null) =>
              values === null ? 50 : 16 + 7 * Math.max(4, ...values.map((v) => v.length)),
          },
        ],
        legend: { live: true },
        hooks: {
          setSeries: [
            (u) => {
              for (const s of u.series.slice(1))
                if (typeof s.label === 'string')
                  if (s.show === false) this.hidden.add(s.label);
                  else this.hidden.delete(s.label);
              syncLegend(u);
            },
          ],
        },
      },
      this.data(),
      this.element,
    );
    makeLegendOperable(this.plot);
    if (focused !== undefined) focusSeries(this.element, focused);
  }
}

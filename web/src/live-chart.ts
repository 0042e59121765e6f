import uPlot from 'uplot';

const COLORS = ['#4ea1ff', '#f0883e', '#3fb950', '#d2a8ff', '#f85149', '#e3b341', '#79c0ff', '#ff7b72'];
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

  private readonly resize: ResizeObserver;

  constructor(
    readonly element: HTMLElement,
    private readonly format: (value: number) => string = (v) => String(Math.round(v * 100) / 100),
    /** Gaps (no sample at a step) stay gaps by default: a line across them would invent values. */
    private readonly options: { spanGaps?: boolean } = {},
  ) {
    this.resize = new ResizeObserver(() => {
      this.plot?.setSize(this.size());
    });
    this.resize.observe(element);
  }

  destroy(): void {
    this.resize.disconnect();
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
    this.plot = new uPlot(
      {
        ...this.size(),
        // The chosen range, ending now: a chart with few points still reads as a timeline.
        scales: {
          x: {
            time: true,
            // uPlot pads the range of a single point (or none) by years: end at now then.
            range: (_u, _min, max) => {
              const now = Date.now() / 1000;
              const end = Number.isFinite(max) && max <= now + 60 ? Math.max(max, now) : now;
              return [end - this.spanMs / 1000, end];
            },
          },
        },
        series: [
          {},
          ...this.names.map((label, i) => ({
            label,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            spanGaps: this.options.spanGaps ?? false,
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
        axes: [
          { stroke: '#8a96a3', grid: { stroke: '#262d37' } },
          {
            stroke: '#8a96a3',
            grid: { stroke: '#262d37' },
            values: (_u, ticks) => ticks.map(format),
            // Wide enough for the longest label ("1.25 s", "450 ms", "12.5 k/s"): none is ever cut.
            size: (_u, values: string[] | null) =>
              values === null ? 50 : 16 + 7 * Math.max(4, ...values.map((v) => v.length)),
          },
        ],
        legend: { live: true },
      },
      this.data(),
      this.element,
    );
  }
}

import type uPlot from 'uplot';

/**
 * uPlot's legend toggles a series when its row header is clicked, by mouse only. Each series' label gets a
 * real button: Tab reaches it, Enter and Space click it, and the click bubbles to the header, where uPlot's
 * own handler toggles the series (uPlot stays the one owner of what is shown; this adds no second state).
 * The name says which series ("Show P95") and `aria-pressed` says whether it is shown.
 */
export function makeLegendOperable(plot: uPlot): void {
  legendRows(plot).forEach(({ row, index }) => {
    if (index === 0) return; // the time column toggles nothing
    const label = row.querySelector<HTMLElement>('.u-label');
    const name = plot.series[index]?.label;
    if (label === null || typeof name !== 'string') return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'series-toggle';
    button.textContent = name;
    button.dataset.series = name;
    button.setAttribute('aria-label', `Show ${name}`);
    label.replaceChildren(button);
  });
  syncLegend(plot);
}

/** `aria-pressed` from uPlot's own series state: call it from uPlot's setSeries hook. */
export function syncLegend(plot: uPlot): void {
  legendRows(plot).forEach(({ row, index }) => {
    const shown = plot.series[index]?.show !== false;
    row.querySelector('button.series-toggle')?.setAttribute('aria-pressed', String(shown));
  });
}

/** The legend's rows with the series each stands for (uPlot omits the time row when the legend is not live). */
function legendRows(plot: uPlot): { row: HTMLTableRowElement; index: number }[] {
  const rows = [...plot.root.querySelectorAll<HTMLTableRowElement>('.u-legend tr.u-series')];
  const first = plot.series.length - rows.length;
  return rows.map((row, i) => ({ row, index: i + first }));
}

/** The series toggle focused inside `container`, by series name (to give the focus back after a rebuild). */
export function focusedSeries(container: HTMLElement): string | undefined {
  const active = document.activeElement;
  return active instanceof HTMLButtonElement && container.contains(active)
    ? active.dataset.series
    : undefined;
}

export function focusSeries(container: HTMLElement, name: string): void {
  for (const button of container.querySelectorAll<HTMLButtonElement>('button.series-toggle'))
    if (button.dataset.series === name) button.focus();
}

import type { Page } from 'playwright-core';

/**
 * What the page drew over time, recorded in the page by a MutationObserver from the call on: a stale
 * answer drawn for a moment and then replaced by a later reload is still caught, which a read at the end
 * would miss. The page-side code is a string, as in page-checks.ts (the tests compile without DOM types).
 */

let observers = 0;

/** The text of `selector` after every change under `root`. */
export async function recordTexts(
  page: Page,
  root: string,
  selector: string,
): Promise<() => Promise<string[]>> {
  const key = `texts${String(++observers)}`;
  await page.evaluate(String.raw`(() => {
    const seen = (window.__drawn ??= {})[${JSON.stringify(key)}] = [];
    new MutationObserver(() => {
      seen.push(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '');
    }).observe(document.querySelector(${JSON.stringify(root)}), { childList: true, subtree: true, characterData: true });
  })()`);
  return () => page.evaluate<string[]>(`window.__drawn[${JSON.stringify(key)}]`);
}

/** How often the chart in `selector` is drawn anew (each draw replaces its children). */
export async function countDraws(page: Page, selector: string): Promise<() => Promise<number>> {
  const key = `draws${String(++observers)}`;
  await page.evaluate(String.raw`(() => {
    const counts = (window.__drawn ??= {});
    counts[${JSON.stringify(key)}] = 0;
    new MutationObserver((records) => {
      for (const r of records) if (r.addedNodes.length > 0) counts[${JSON.stringify(key)}] += 1;
    }).observe(document.querySelector(${JSON.stringify(selector)}), { childList: true });
  })()`);
  return () => page.evaluate<number>(`window.__drawn[${JSON.stringify(key)}]`);
}

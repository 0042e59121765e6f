/**
 * Light and dark themes. With no choice stored the page follows the system (prefers-color-scheme, in
 * styles.css); the toggle stores an explicit choice in localStorage and sets `data-theme` on <html>,
 * which every colour variable follows. Charts read their colours from the same variables.
 */
export type Theme = 'light' | 'dark';

const KEY = 'metrics-service.theme';

function stored(): Theme | undefined {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : undefined;
  } catch {
    return undefined; // storage refused (private mode, policy): follow the system
  }
}

/** The theme in effect: the stored choice, else the system's. */
export function currentTheme(): Theme {
  return stored() ?? (window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark');
}

/** A colour variable's value as the page resolves it now (for canvas drawing, which cannot use var()). */
export function cssColor(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

export function applyTheme(theme: Theme | undefined): void {
  if (theme === undefined) delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  window.dispatchEvent(new CustomEvent('themechange'));
}

/** Applies the stored choice and wires the toggle button (its label names the theme it switches to). */
export function installThemeToggle(button: HTMLButtonElement): void {
  applyTheme(stored());
  const label = (): void => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark';
    button.textContent = next === 'light' ? '☀ Light' : '☾ Dark';
    button.setAttribute('aria-label', `Switch to the ${next} theme`);
    button.setAttribute('aria-pressed', String(currentTheme() === 'light'));
  };
  button.addEventListener('click', () => {
    const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // not kept across loads, still applied now
    }
    applyTheme(next);
    label();
  });
  window.matchMedia('(prefers-color-scheme: light)').addEventListener('change', label);
  label();
}

/** Builds an element with attributes and text (textContent: never HTML, so no value can inject markup). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  text = '',
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== '') el.textContent = text;
  return el;
}

/**
 * Redraws part of the page without losing the keyboard user's place: the focused element's id is noted
 * and the element with that id in the new content (the same button or link) gets the focus back.
 */
export function keepingFocus(redraw: () => void): void {
  const id = document.activeElement?.id ?? '';
  redraw();
  if (id === '' || document.activeElement?.id === id) return;
  document.getElementById(id)?.focus();
}

import { problemOf, type Problem } from './api.js';
import { element } from './dom.js';

/** "body.services.0.name" and "services[0]" both read as services.0(.name). */
const normalise = (field: string): string[] =>
  field
    .replace(/^(body|querystring|params)\./, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '');

/** The control a problem's `field` names: the deepest `[data-field]` of the form that matches. */
function controlOf(form: HTMLElement, field: string | undefined): HTMLElement | undefined {
  if (field === undefined) return undefined;
  const parts = normalise(field);
  for (let n = parts.length; n > 0; n--) {
    const name = parts.slice(0, n).join('.');
    const found = [...form.querySelectorAll<HTMLElement>('[data-field]')].find(
      (c) => c.dataset.field === name,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

export function clearProblems(form: HTMLElement): void {
  for (const old of form.querySelectorAll('.field-error, .form-error')) old.remove();
  for (const invalid of form.querySelectorAll('[aria-invalid]')) {
    invalid.removeAttribute('aria-invalid');
    invalid.removeAttribute('aria-describedby');
  }
}

/**
 * The API's validation message next to the control it is about (aria-invalid, described by the message,
 * focused), or above the buttons when it names no control of the form.
 */
export function showProblemInline(form: HTMLElement, problem: Problem): void {
  clearProblems(form);
  const text = problem.detail ?? problem.title ?? 'refused';
  const control = controlOf(form, problem.field);
  if (control === undefined) {
    const box = element('p', { class: 'form-error', role: 'alert', 'data-code': problem.code ?? '' }, text);
    const buttons = form.querySelector(':scope > .row:last-child');
    if (buttons === null) form.append(box);
    else buttons.before(box);
    return;
  }
  const id = `${control.id || 'field'}-error`;
  const message = element(
    'p',
    { class: 'field-error', id, role: 'alert', 'data-code': problem.code ?? '' },
    text,
  );
  control.after(message);
  const target =
    control instanceof HTMLInputElement ||
    control instanceof HTMLSelectElement ||
    control instanceof HTMLTextAreaElement
      ? control
      : (control.querySelector<HTMLElement>('input, select, textarea') ?? control);
  target.setAttribute('aria-invalid', 'true');
  target.setAttribute('aria-describedby', id);
  target.focus();
}

/** Sends a form's request; a refusal is shown inline. Whether it succeeded, and the answer. */
export async function submitInline(
  form: HTMLElement,
  call: () => Promise<Response>,
): Promise<Response | undefined> {
  clearProblems(form);
  try {
    const response = await call();
    if (response.ok) return response;
    showProblemInline(form, await problemOf(response));
  } catch (error) {
    showProblemInline(form, { detail: (error as Error).message });
  }
  return undefined;
}

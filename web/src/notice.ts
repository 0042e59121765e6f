import { problemOf, type Problem } from './api.js';
import { element } from './dom.js';

/**
 * The page's one place for what went wrong: a failed action shows the service's problem detail (title,
 * detail, field) in a live region, so a screen reader reads it too, until dismissed or replaced.
 */
export function showProblem(target: HTMLElement, action: string, problem: Problem): void {
  const text = problem.detail ?? problem.title ?? 'failed';
  const box = element('div', { class: 'notice error', role: 'alert', 'data-code': problem.code ?? '' });
  box.append(
    element('strong', {}, `Could not ${action}`),
    element('span', { class: 'notice-detail' }, `: ${text}`),
  );
  if (problem.field !== undefined)
    box.append(element('span', { class: 'notice-field' }, ` (${problem.field})`));
  const close = element('button', { type: 'button', 'aria-label': 'Dismiss' }, '×');
  close.addEventListener('click', () => {
    box.remove();
  });
  box.append(close);
  target.replaceChildren(box);
  target.hidden = false;
}

/** Runs an API call for an action; a refusal is shown, never swallowed. Returns whether it succeeded. */
export async function act(
  target: HTMLElement,
  action: string,
  call: () => Promise<Response>,
): Promise<boolean> {
  try {
    const response = await call();
    if (response.ok) return true;
    showProblem(target, action, await problemOf(response));
  } catch (error) {
    showProblem(target, action, { detail: (error as Error).message });
  }
  return false;
}

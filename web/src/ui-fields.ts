import { authorizedFetch } from './session.js';
import { element } from './dom.js';

/** A labelled control with the `data-field` its API validation messages name. */
export function field(text: string, control: HTMLElement, name: string): HTMLLabelElement {
  control.dataset.field = name;
  if (control.id === '') control.id = `f-${name.replace(/\W/g, '-')}-${String(Math.random()).slice(2, 8)}`;
  const label = element('label', { class: 'field' }, text);
  label.append(control);
  return label;
}

export function input(value = '', attributes: Record<string, string> = {}): HTMLInputElement {
  const control = element('input', attributes);
  control.value = value;
  return control;
}

export function select(options: readonly string[], value: string): HTMLSelectElement {
  const control = element('select');
  for (const o of options) control.append(element('option', { value: o }, o));
  control.value = value;
  return control;
}

/** JSON to the service's own API as the logged-in user, any method. */
export function sendJson(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  return authorizedFetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export function button(text: string, attributes: Record<string, string> = {}): HTMLButtonElement {
  return element('button', { type: 'button', ...attributes }, text);
}

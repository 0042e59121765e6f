import { getJson, problemOf, type Problem } from './api.js';
import { element } from './dom.js';
import { showProblem } from './notice.js';
import { hashOf, type RouteContext } from './router.js';
import { sendJson, servicePath, type ServiceInfo } from './service-api.js';

type Kind = 'text' | 'number' | 'list' | 'select';
interface Field {
  key: string;
  label: string;
  kind: Kind;
  hint?: string;
  options?: readonly string[];
  required?: boolean;
}

/** The fields the form edits; anything else of a definition (headers, JSON condition…) is kept as is. */
const FIELDS: readonly Field[] = [
  {
    key: 'name',
    label: 'Name',
    kind: 'text',
    required: true,
    hint: 'Letters, digits and _ . : - (up to 128).',
  },
  {
    key: 'url',
    label: 'URL',
    kind: 'text',
    required: true,
    hint: 'https://host/path, tcp://host:port, dns://resolver/name?type=A, postgres://…, redis://…, mysql://…',
  },
  {
    key: 'type',
    label: 'Type',
    kind: 'select',
    options: ['', 'http', 'tcp', 'dns', 'postgres', 'redis', 'mysql'],
    hint: 'Empty: from the URL scheme.',
  },
  { key: 'interval', label: 'Interval (ms)', kind: 'number', hint: 'Default 30000.' },
  { key: 'timeout', label: 'Timeout (ms)', kind: 'number', hint: 'Default 5000.' },
  { key: 'retries', label: 'Retries', kind: 'number', hint: 'Failures in a row before DOWN (default 3).' },
  { key: 'expectedStatus', label: 'Expected status', kind: 'list', hint: 'e.g. 200, 2xx, 200-299 (HTTP).' },
  { key: 'keyword', label: 'Keyword', kind: 'text', hint: 'Text the body must contain (HTTP).' },
  { key: 'degradedThreshold', label: 'Degraded above (ms)', kind: 'number' },
  { key: 'tags', label: 'Tags', kind: 'list', hint: 'Comma separated, e.g. prod, payments.' },
  { key: 'group', label: 'Group', kind: 'text', hint: 'The overview lists services by group.' },
  {
    key: 'slaTarget',
    label: 'SLA target (%)',
    kind: 'number',
    hint: 'Of the monthly report (default 99.9).',
  },
];

const idOf = (key: string): string => `service-${key}`;

/** The form's value of one field as the API takes it; undefined leaves the field out. */
function valueOf(field: Field, raw: string): unknown {
  const text = raw.trim();
  if (text === '') return undefined;
  if (field.kind === 'number') return Number(text);
  if (field.kind === 'list') {
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    return field.key === 'expectedStatus'
      ? items.map((item) => (/^\d+$/.test(item) ? Number(item) : item))
      : items;
  }
  return text;
}

function shown(value: unknown): string {
  if (Array.isArray(value)) return value.map(shown).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** The field a problem names: "body.tags.0" → tags; "url" → url. */
export function fieldOfProblem(problem: Problem): string | undefined {
  const path = problem.field?.replace(/^body[./]?/, '').replace(/^\//, '');
  return path?.split(/[./[]/)[0];
}

/**
 * `#/services/new` and `#/services/<name>/edit`: the monitor's form. The API checks it; its refusal is
 * shown next to the field the problem names (aria-invalid, described by the message), or above the form
 * when it names none.
 */
export async function mountServiceForm({ outlet, params }: RouteContext): Promise<undefined> {
  const editing = params.name;
  let stored: Record<string, unknown> = {};
  if (editing !== undefined) stored = (await getJson<ServiceInfo>(servicePath(editing))).definition;
  const form = element('form', { class: 'card service-form', id: 'service-form', novalidate: '' });
  form.append(element('h2', {}, editing === undefined ? 'Add a monitor' : `Edit ${editing}`));
  const general = element('div', { class: 'form-error', role: 'alert', id: 'service-form-error' });
  form.append(general);
  const inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  const errors = new Map<string, HTMLElement>();
  for (const field of FIELDS) {
    const row = element('div', { class: 'field' });
    const id = idOf(field.key);
    const label = element('label', { for: id }, field.label);
    let input: HTMLInputElement | HTMLSelectElement;
    if (field.kind === 'select') {
      input = element('select', { id, name: field.key });
      for (const option of field.options ?? [])
        input.append(element('option', { value: option }, option === '' ? 'auto' : option));
    } else {
      input = element('input', {
        id,
        name: field.key,
        type: field.kind === 'number' ? 'number' : 'text',
        step: 'any',
      });
    }
    input.value = shown(stored[field.key]);
    if (field.key === 'name' && editing !== undefined) input.setAttribute('readonly', '');
    const error = element('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
    const described = [`${id}-error`];
    row.append(label, input);
    if (field.hint !== undefined) {
      row.append(element('p', { class: 'hint', id: `${id}-hint` }, field.hint));
      described.push(`${id}-hint`);
    }
    input.setAttribute('aria-describedby', described.join(' '));
    row.append(error);
    inputs.set(field.key, input);
    errors.set(field.key, error);
    form.append(row);
  }
  const submit = element(
    'button',
    { type: 'submit', id: 'service-save' },
    editing === undefined ? 'Add' : 'Save',
  );
  const cancel = element(
    'a',
    { href: editing === undefined ? '#/' : hashOf('services', editing), class: 'button' },
    'Cancel',
  );
  const buttons = element('div', { class: 'actions' });
  buttons.append(submit, cancel);
  form.append(buttons);

  const clearErrors = (): void => {
    general.replaceChildren();
    for (const [key, error] of errors) {
      error.textContent = '';
      inputs.get(key)?.removeAttribute('aria-invalid');
    }
  };
  const showError = (problem: Problem): void => {
    const key = fieldOfProblem(problem);
    const error = key === undefined ? undefined : errors.get(key);
    const input = key === undefined ? undefined : inputs.get(key);
    if (error === undefined || input === undefined) {
      showProblem(general, editing === undefined ? 'add the monitor' : 'save the monitor', problem);
      return;
    }
    error.textContent = problem.detail ?? problem.title ?? 'refused';
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    const body: Record<string, unknown> = { ...stored };
    for (const field of FIELDS) {
      const value = valueOf(field, inputs.get(field.key)!.value);
      if (value === undefined) Reflect.deleteProperty(body, field.key);
      else body[field.key] = value;
    }
    submit.disabled = true;
    const request =
      editing === undefined
        ? sendJson('POST', '/api/health/services', body)
        : sendJson('PUT', servicePath(editing), body);
    void request
      .then(async (response) => {
        if (response.ok) window.location.hash = hashOf('services', String(body.name));
        else showError(await problemOf(response));
      })
      .catch((error: unknown) => {
        showError({ detail: (error as Error).message });
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  outlet.replaceChildren(form);
  inputs.get(editing === undefined ? 'name' : 'url')?.focus();
  return undefined;
}

import { postJson } from './api.js';
import { element } from './dom.js';
import { trapFocus } from './focus-trap.js';
import { act } from './notice.js';

/**
 * "Silence like this": a modal <dialog> (showModal makes the rest of the page inert, so the focus stays
 * inside, and Escape closes it) prefilled with matchers for exactly this alert, each editable.
 */
export function openSilenceDialog(
  matchers: readonly string[],
  comment: string,
  onDone: () => void,
): HTMLDialogElement {
  const dialog = element('dialog', { id: 'silence-dialog', 'aria-labelledby': 'silence-title' });
  const form = element('form', { method: 'dialog', class: 'stack' });
  const list = element('textarea', {
    id: 'silence-matchers',
    rows: String(Math.min(8, matchers.length + 1)),
  });
  list.value = matchers.join('\n');
  const duration = element('select', { id: 'silence-duration' });
  for (const [value, text] of [
    ['1h', '1 hour'],
    ['2h', '2 hours'],
    ['6h', '6 hours'],
    ['24h', '1 day'],
    ['7d', '7 days'],
  ] as const)
    duration.append(element('option', { value }, text));
  duration.value = '2h';
  const note = element('input', { id: 'silence-comment' });
  note.value = comment;
  const problems = element('div', { class: 'notices', 'aria-live': 'assertive' });
  const cancel = element('button', { type: 'button', id: 'silence-cancel' }, 'Cancel');
  const create = element(
    'button',
    { type: 'submit', id: 'silence-create', class: 'primary' },
    'Create silence',
  );
  const field = (text: string, control: HTMLElement): HTMLLabelElement => {
    const label = element('label', {}, text);
    label.append(control);
    return label;
  };
  const buttons = element('div', { class: 'row' });
  buttons.append(create, cancel);
  form.append(
    element('h2', { id: 'silence-title' }, 'Silence alerts like this one'),
    field('Matchers (one a line)', list),
    field('For', duration),
    field('Comment', note),
    problems,
    buttons,
  );
  dialog.append(form);
  cancel.addEventListener('click', () => {
    dialog.close();
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      matchers: list.value
        .split('\n')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
      endsAt: duration.value,
      comment: note.value,
    };
    void act(problems, 'create the silence', () => postJson('/api/alerts/silences', body)).then((ok) => {
      if (!ok) return;
      dialog.close();
      onDone();
    });
  });
  document.body.append(dialog);
  trapFocus(dialog);
  dialog.showModal();
  list.focus();
  return dialog;
}

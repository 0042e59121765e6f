import { getJson, postJson, problemOf } from './api.js';
import { element } from './dom.js';
import { adopt, type LoginResult } from './session.js';

const $ = (id: string): HTMLElement => document.getElementById(id)!;

interface Status {
  enabled: boolean;
  pending: boolean;
  confirmedAt: string | null;
  recoveryCodesLeft: number;
  required: boolean;
}

/**
 * The Security dialog: enrol an authenticator app (QR code, then a first code), see and renew recovery
 * codes, turn TOTP off. Every refusal shows the service's problem detail next to the form.
 */
export function openTwoFactor(reason = ''): void {
  const dialog = $('two-factor') as HTMLDialogElement;
  $('two-factor-error').textContent = '';
  if (!dialog.open) dialog.showModal();
  void render(reason);
}

$('two-factor-close').addEventListener('click', () => {
  ($('two-factor') as HTMLDialogElement).close();
});

async function render(reason: string): Promise<void> {
  const body = $('two-factor-body');
  const status = await getJson<Status>('/api/auth/2fa');
  body.replaceChildren();
  if (reason !== '') body.append(element('p', { class: 'notice' }, reason));
  if (status.enabled) showEnabled(body, status);
  else showEnrolStart(body, status);
}

function showError(message: string): void {
  $('two-factor-error').textContent = message;
}

/** Posts a form's value; answers the JSON, or shows the problem and answers undefined. */
async function submit<T>(path: string, payload: unknown): Promise<T | undefined> {
  showError('');
  const response = await postJson(path, payload);
  if (!response.ok) {
    const problem = await problemOf(response);
    showError(problem.detail ?? problem.title ?? `refused (${String(response.status)})`);
    return undefined;
  }
  return response.status === 204 ? ({} as T) : ((await response.json()) as T);
}

function form(fields: HTMLElement[], label: string, onSubmit: () => Promise<void>): HTMLFormElement {
  const f = element('form', { class: 'two-factor-form' });
  f.append(...fields, element('button', { type: 'submit' }, label));
  f.addEventListener('submit', (event) => {
    event.preventDefault();
    void onSubmit();
  });
  return f;
}

function input(name: string, labelText: string, attributes: Record<string, string>): HTMLLabelElement {
  const label = element('label', {}, labelText);
  label.append(element('input', { name, id: `two-factor-${name}`, required: '', ...attributes }));
  return label;
}

function valueOf(name: string): string {
  return ($(`two-factor-${name}`) as HTMLInputElement).value;
}

function showEnrolStart(body: HTMLElement, status: Status): void {
  body.append(
    element(
      'p',
      {},
      status.required
        ? 'Your role requires a second factor: set up an authenticator app to continue.'
        : 'Protect your account with a code from an authenticator app (any TOTP app) at each login.',
    ),
    form(
      [input('password', 'Your password', { type: 'password', autocomplete: 'current-password' })],
      'Set up',
      async () => {
        const enrolment = await submit<{ secret: string; qrCodeSvg: string }>('/api/auth/2fa/totp', {
          password: valueOf('password'),
        });
        if (enrolment !== undefined) showScan(body, enrolment);
      },
    ),
  );
  ($('two-factor-password') as HTMLInputElement).focus();
}

function showScan(body: HTMLElement, enrolment: { secret: string; qrCodeSvg: string }): void {
  body.replaceChildren();
  // An <img> of the SVG, never inline markup: nothing in it can run.
  const qr = element('img', {
    class: 'qr',
    alt: 'QR code to scan with the authenticator app',
    src: `data:image/svg+xml;base64,${btoa(enrolment.qrCodeSvg)}`,
    width: '200',
    height: '200',
  });
  body.append(
    element('p', {}, 'Scan this with the app, or type the key by hand, then enter the code it shows.'),
    qr,
    element('p', { class: 'secret', id: 'two-factor-secret' }, enrolment.secret),
    form(
      [input('code', 'Code', { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6' })],
      'Confirm',
      async () => {
        const confirmed = await submit<{ recoveryCodes: string[]; session: LoginResult }>(
          '/api/auth/2fa/totp/confirm',
          { code: valueOf('code') },
        );
        if (confirmed === undefined) return;
        adopt(confirmed.session);
        showRecoveryCodes(body, confirmed.recoveryCodes, 'Two-factor authentication is on.');
      },
    ),
  );
  ($('two-factor-code') as HTMLInputElement).focus();
}

function showRecoveryCodes(body: HTMLElement, codes: string[], heading: string): void {
  body.replaceChildren();
  const list = element('ol', { class: 'recovery-codes', id: 'two-factor-recovery-codes' });
  for (const code of codes) list.append(element('li', {}, code));
  const download = element('a', {
    href: URL.createObjectURL(new Blob([`${codes.join('\n')}\n`], { type: 'text/plain' })),
    download: 'metrics-service-recovery-codes.txt',
  });
  download.textContent = 'Download the codes';
  body.append(
    element('p', {}, heading),
    element(
      'p',
      {},
      'Keep these recovery codes somewhere safe: each works once if the device is lost. They are shown only now.',
    ),
    list,
    download,
  );
}

function showEnabled(body: HTMLElement, status: Status): void {
  const since = status.confirmedAt === null ? '' : ` since ${new Date(status.confirmedAt).toLocaleString()}`;
  body.append(
    element('p', {}, `On${since}. Recovery codes left: ${String(status.recoveryCodesLeft)}.`),
    form(
      [input('code', 'Current code or a recovery code', { autocomplete: 'one-time-code', maxlength: '32' })],
      'New recovery codes',
      async () => {
        const renewed = await submit<{ recoveryCodes: string[] }>('/api/auth/2fa/recovery-codes', {
          code: valueOf('code'),
        });
        if (renewed !== undefined) showRecoveryCodes(body, renewed.recoveryCodes, 'New recovery codes.');
      },
    ),
  );
  if (status.required) {
    body.append(element('p', {}, 'Your role requires it: it cannot be turned off (an admin can reset it).'));
    return;
  }
  const off = element('button', { type: 'button', id: 'two-factor-disable' }, 'Turn off');
  off.addEventListener('click', () => {
    void submit('/api/auth/2fa/totp/disable', { code: valueOf('code') }).then((done) => {
      if (done !== undefined) void render('Two-factor authentication is off.');
    });
  });
  body.append(off);
}

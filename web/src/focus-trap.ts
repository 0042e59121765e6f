const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Tab and Shift+Tab cycle inside `box`. A modal <dialog> makes the page behind it inert, but Tab past its
 * last control still leaves for the browser's own toolbar; this keeps it on the dialog's controls.
 */
export function trapFocus(box: HTMLElement): void {
  box.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const controls = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((c) => !c.closest('[hidden]'));
    const first = controls[0];
    const last = controls.at(-1);
    if (first === undefined || last === undefined) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
}

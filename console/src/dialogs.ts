import { alertBox, copyButton, h, uid, type Child } from './dom.ts';

/**
 * A modal `<dialog>`: the browser traps focus inside, closes it on Escape and gives focus back to
 * the control that opened it. Removed from the page once closed.
 */
export function openDialog(title: string, ...content: Child[]): HTMLDialogElement {
  const titleId = uid('dialog-title');
  const dialog = h('dialog', { 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export function confirmDialog(title: string, text: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    let confirmed = false;
    const dialog = openDialog(
      title,
      h('p', {}, text),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: () => {
              confirmed = true;
              dialog.close();
            },
          },
          action,
        ),
      ),
    );
    dialog.addEventListener('close', () => resolve(confirmed));
  });
}

/** The new secret, shown this once, with a copy button; forgotten when the dialog closes. */
export function secretDialog(keyName: string, secret: string, warnings: string[] = []): HTMLDialogElement {
  const inputId = uid('secret');
  const input = h('input', {
    id: inputId,
    type: 'text',
    readonly: true,
    value: secret,
    class: 'mono',
    spellcheck: 'false',
  });
  const dialog = openDialog(
    `Client secret of ${keyName}`,
    h(
      'p',
      {},
      'Copy it now: this is the only time it is shown. Store it where your application reads its secrets.',
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: inputId }, 'Client secret'),
      h(
        'div',
        { class: 'copy-row' },
        input,
        copyButton('Copy client secret', () => input.value),
      ),
    ),
    warnings.length > 0 &&
      h(
        'ul',
        { class: 'warnings' },
        warnings.map((w) => h('li', {}, w)),
      ),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => dialog.close() }, 'Done')),
  );
  dialog.addEventListener('close', () => (input.value = ''));
  input.select();
  return dialog;
}

/** A form in a dialog whose submit runs `submit`; an error keeps the dialog open and shows its detail. */
export function formDialog(
  title: string,
  fields: Child[],
  submitLabel: string,
  /** May return what to do once the dialog has closed (open the next one, say). */
  submit: (form: HTMLFormElement) => Promise<(() => void) | void>,
): HTMLDialogElement {
  const alert = alertBox();
  const button = h('button', { type: 'submit' }, submitLabel);
  const form: HTMLFormElement = h(
    'form',
    {
      novalidate: true,
      onsubmit: async (event: Event) => {
        event.preventDefault();
        alert.clear();
        if (!form.checkValidity()) {
          const invalid = form.querySelector<HTMLInputElement>(':invalid');
          const label = invalid?.labels?.[0]?.textContent ?? 'A field';
          alert.show(`${label}: ${invalid?.validationMessage ?? 'is not valid'}`);
          invalid?.focus();
          return;
        }
        button.disabled = true;
        try {
          const after = await submit(form);
          dialog.close();
          after?.();
        } catch (error) {
          alert.show(error instanceof Error ? error.message : String(error));
        } finally {
          button.disabled = false;
        }
      },
    },
    fields,
    alert.element,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
      button,
    ),
  );
  const dialog = openDialog(title, form);
  return dialog;
}

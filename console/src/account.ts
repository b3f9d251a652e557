import { api, message } from './api.ts';
import { alertBox, copyButton, h, statusBox, uid } from './dom.ts';
import { qrCode } from './qr.ts';
import type { Me } from './types.ts';

function labelled(label: string, input: HTMLInputElement) {
  const id = uid('account');
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** Enrol a TOTP second factor: the QR code (drawn locally) and the secret, then one code to confirm. */
function secondFactor(me: Me): HTMLElement {
  const alert = alertBox();
  const status = statusBox();
  const area = h('div');
  const headingId = uid('totp-heading');
  const start = h(
    'button',
    {
      type: 'button',
      onclick: async () => {
        alert.clear();
        try {
          const { data } = await api.post<{ secret: string; otpauth_uri: string }>('/v2/me/totp');
          const secretId = uid('totp-secret');
          const code = h('input', {
            type: 'text',
            inputmode: 'numeric',
            autocomplete: 'one-time-code',
            pattern: '[0-9]{6}',
            maxlength: 6,
            required: true,
          });
          area.replaceChildren(
            h(
              'p',
              {},
              'Scan this code with your authenticator app, or type the secret key into it. Then enter the 6-digit code it shows.',
            ),
            qrCode(data.otpauth_uri, 'QR code for your authenticator app'),
            h(
              'div',
              { class: 'field' },
              h('label', { for: secretId }, 'Secret key'),
              h(
                'div',
                { class: 'copy-row' },
                h('input', { id: secretId, type: 'text', readonly: true, value: data.secret, class: 'mono' }),
                copyButton('Copy secret key', () => data.secret),
              ),
            ),
            h(
              'form',
              {
                class: 'inline-form',
                onsubmit: async (event: Event) => {
                  event.preventDefault();
                  alert.clear();
                  try {
                    await api.post('/v2/me/totp/verify', { data: { otp: code.value.trim() } });
                    me.totp_enrolled = true;
                    area.replaceChildren();
                    start.textContent = 'Replace the second factor';
                    status.show('Second factor enabled: you will be asked for a code when you sign in.');
                  } catch (error) {
                    alert.show(message(error));
                  }
                },
              },
              labelled('Code', code),
              h('button', { type: 'submit' }, 'Verify code'),
            ),
          );
          code.focus();
        } catch (error) {
          alert.show(message(error));
        }
      },
    },
    me.totp_enrolled ? 'Replace the second factor' : 'Set up a second factor',
  );
  return h(
    'section',
    { 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Second factor'),
    h(
      'p',
      {},
      me.totp_enrolled
        ? 'Your account has a second factor (TOTP).'
        : 'Your account has no second factor yet.',
    ),
    alert.element,
    status.element,
    start,
    area,
  );
}

/** Change the password (`POST /v2/me/password`, the current one required). */
function password(): HTMLElement {
  const alert = alertBox();
  const status = statusBox();
  const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', minlength: 12, required: true });
  const headingId = uid('password-heading');
  return h(
    'section',
    { 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Password'),
    alert.element,
    status.element,
    h(
      'form',
      {
        onsubmit: async (event: Event) => {
          event.preventDefault();
          alert.clear();
          if (next.value.length < 12) return alert.show('The new password needs at least 12 characters.');
          try {
            await api.post('/v2/me/password', {
              data: { current_password: current.value, new_password: next.value },
            });
            current.value = next.value = '';
            status.show('Password changed.');
          } catch (error) {
            alert.show(message(error));
          }
        },
      },
      labelled('Current password', current),
      labelled('New password (at least 12 characters)', next),
      h('button', { type: 'submit' }, 'Change password'),
    ),
  );
}

export function accountPage(me: Me): HTMLElement[] {
  return [h('h1', {}, 'Your account'), h('p', {}, `Signed in as ${me.email}.`), secondFactor(me), password()];
}

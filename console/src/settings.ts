import { api, message } from './api.ts';
import { alertBox, h, statusBox, uid } from './dom.ts';
import type { Owner } from './owners.ts';
import type { StoreResource } from './types.ts';
import { ownerPath } from './types.ts';

/** A store's settings: the second-factor policy for people who manage keys. */
export function settingsSection(owner: Owner): HTMLElement {
  const alert = alertBox();
  const status = statusBox();
  const boxId = uid('require-2fa');
  const box = h('input', { id: boxId, type: 'checkbox', checked: owner.requireTwoFactor ?? false });
  const headingId = uid('settings-heading');
  return h(
    'section',
    { 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Store settings'),
    alert.element,
    status.element,
    h(
      'form',
      {
        class: 'settings',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          alert.clear();
          try {
            const { data } = await api.patch<StoreResource>(ownerPath(owner), {
              data: { require_2fa_for_key_managers: box.checked },
            });
            owner.requireTwoFactor = data.require_2fa_for_key_managers;
            status.show(
              data.require_2fa_for_key_managers
                ? 'Key managers now need a second factor.'
                : 'Key managers no longer need a second factor.',
            );
          } catch (error) {
            box.checked = owner.requireTwoFactor ?? false;
            alert.show(message(error));
          }
        },
      },
      h(
        'div',
        { class: 'check' },
        box,
        h('label', { for: boxId }, ' Require a second factor for key managers'),
      ),
      h('button', { type: 'submit' }, 'Save settings'),
    ),
  );
}

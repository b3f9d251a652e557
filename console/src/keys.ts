import { api, message } from './api.ts';
import { confirmDialog, secretDialog } from './dialogs.ts';
import { alertBox, copyButton, fill, formatDate, h, statusBox, uid } from './dom.ts';
import { openKeyForm } from './key-form.ts';
import type { Capabilities, Owner } from './owners.ts';
import type { KeyResource } from './types.ts';
import { ownerPath } from './types.ts';

const PAGE = 20;

/**
 * The owner's keys: a table (name, client id with a copy button, scopes, reservation, last use,
 * actions), the "unused for N days" filter, pagination, and the create/edit/rotate/delete flows.
 */
export function keysSection(owner: Owner, caps: Capabilities): HTMLElement {
  const alert = alertBox();
  const status = statusBox();
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  let offset = 0;
  let unusedFor = '';
  const base = `${ownerPath(owner)}/application-keys`;

  async function load() {
    alert.clear();
    const query = new URLSearchParams({ 'page[offset]': String(offset), 'page[limit]': String(PAGE) });
    if (unusedFor) query.set('unused_for_days', unusedFor);
    try {
      const { data, meta } = await api.get<KeyResource[]>(`${base}?${query}`);
      const total = meta?.results?.total ?? data.length;
      fill(
        tbody,
        data.length
          ? data.map(row)
          : h('tr', {}, h('td', { colspan: 6 }, unusedFor ? 'No key matches the filter.' : 'No keys yet.')),
      );
      fill(
        pager,
        h('span', {}, total ? `Keys ${offset + 1}–${offset + data.length} of ${total}` : ''),
        h(
          'button',
          { type: 'button', class: 'secondary', disabled: offset === 0, onclick: () => move(-PAGE) },
          'Previous page',
        ),
        h(
          'button',
          { type: 'button', class: 'secondary', disabled: offset + PAGE >= total, onclick: () => move(PAGE) },
          'Next page',
        ),
      );
    } catch (error) {
      alert.show(message(error));
    }
  }
  const move = (delta: number) => {
    offset = Math.max(0, offset + delta);
    void load();
  };
  /**
   * Runs `work` from a button, once at a time (a second click while its dialog is on its way does
   * nothing). The button is not disabled, so the dialog can give focus back to it.
   */
  const once = (event: Event, work: () => Promise<void>) => {
    const button = event.currentTarget as HTMLButtonElement;
    if (button.dataset.busy) return;
    alert.clear();
    button.dataset.busy = 'true';
    work()
      .catch((error: unknown) => alert.show(message(error)))
      .finally(() => delete button.dataset.busy);
  };
  const changed = (text: string, warnings: string[]) => {
    status.show([text, ...warnings].join(' '));
    void load();
  };

  function row(key: KeyResource) {
    const act = (label: string, run: () => Promise<void>, danger = false) =>
      h(
        'button',
        {
          type: 'button',
          class: danger ? 'danger small' : 'secondary small',
          'aria-label': `${label} ${key.name}`,
          onclick: (event: Event) => once(event, run),
        },
        label,
      );
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, key.name),
      h(
        'td',
        {},
        h(
          'span',
          { class: 'copy-row' },
          h('code', {}, key.client_id),
          copyButton(`Copy client ID of ${key.name}`, () => key.client_id),
        ),
      ),
      h('td', {}, key.scopes ? key.scopes.join(' ') || 'none' : 'all of its creator’s'),
      h('td', { class: 'num' }, key.reserved_rate_limit ? `${key.reserved_rate_limit}/s` : 'none'),
      h('td', {}, formatDate(key.meta.timestamps.last_used_at)),
      h(
        'td',
        {},
        h(
          'div',
          { class: 'row-actions' },
          act('Edit', () =>
            openKeyForm(owner, caps, key, (saved, warnings) => changed(`Saved ${saved.name}.`, warnings)),
          ),
          act('Rotate secret', async () => {
            if (
              !(await confirmDialog(
                `Rotate the secret of ${key.name}?`,
                'The current secret stops working for new tokens at once; tokens already issued stay valid until they expire.',
                'Rotate secret',
              ))
            )
              return;
            const { data } = await api.post<KeyResource>(`${base}/${key.id}/rotate-secret`);
            if (data.client_secret) secretDialog(data.name, data.client_secret);
            changed(`Rotated the secret of ${key.name}.`, []);
          }),
          act(
            'Delete',
            async () => {
              if (
                !(await confirmDialog(
                  `Delete ${key.name}?`,
                  'Every token of this key stops working at once. This cannot be undone.',
                  'Delete key',
                ))
              )
                return;
              await api.delete(`${base}/${key.id}`);
              changed(`Deleted ${key.name}.`, []);
            },
            true,
          ),
        ),
      ),
    );
  }

  const filterId = uid('unused');
  const filterInput = h('input', {
    id: filterId,
    type: 'number',
    min: 1,
    step: 1,
    inputmode: 'numeric',
    class: 'short',
  });
  const filter = h(
    'form',
    {
      class: 'filter',
      onsubmit: (event: Event) => {
        event.preventDefault();
        unusedFor = filterInput.value.trim();
        offset = 0;
        void load();
      },
    },
    h('label', { for: filterId }, 'Unused for at least (days)'),
    filterInput,
    h('button', { type: 'submit', class: 'secondary' }, 'Filter'),
  );
  const headingId = uid('keys-heading');
  void load();
  return h(
    'section',
    { 'aria-labelledby': headingId },
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: headingId }, 'Keys'),
      h(
        'button',
        {
          type: 'button',
          onclick: (event: Event) =>
            once(event, () =>
              openKeyForm(owner, caps, undefined, (key, warnings) =>
                changed(`Created ${key.name}.`, warnings),
              ),
            ),
        },
        'Create key',
      ),
    ),
    alert.element,
    status.element,
    filter,
    h(
      'div',
      { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Application keys (scrolls sideways)' },
      h(
        'table',
        {},
        h('caption', {}, 'Application keys'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Client ID', 'Scopes', 'Reservation', 'Last used', 'Actions'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        tbody,
      ),
    ),
    pager,
  );
}

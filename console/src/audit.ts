import { api, message } from './api.ts';
import { alertBox, fill, formatDate, h, uid } from './dom.ts';
import type { Owner } from './owners.ts';
import type { AuditEvent } from './types.ts';
import { ownerPath } from './types.ts';

const PAGE = 20;

const who = (actor: AuditEvent['actor'], meId: string) =>
  actor.type === 'user' && actor.id === meId
    ? 'you'
    : actor.type === 'cli'
      ? 'operator (CLI)'
      : `${actor.type.replace('_', ' ')} ${actor.id ?? ''}`;
const what = (event: AuditEvent) => {
  const target = event.target.id;
  const changes = event.changes
    ? Object.entries(event.changes)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(', ')
    : '';
  return [target, changes && `(${changes})`].filter(Boolean).join(' ');
};

/** The owner's audit trail, newest first, a page at a time. */
export function auditSection(owner: Owner, meId: string): HTMLElement {
  const alert = alertBox();
  const tbody = h('tbody');
  const pager = h('div', { class: 'pager' });
  let offset = 0;

  async function load() {
    try {
      const { data, meta } = await api.get<AuditEvent[]>(
        `${ownerPath(owner)}/audit-events?page[offset]=${offset}&page[limit]=${PAGE}`,
      );
      const total = meta?.results?.total ?? data.length;
      fill(
        tbody,
        data.length
          ? data.map((event) =>
              h(
                'tr',
                {},
                h('td', {}, formatDate(event.created_at)),
                h('td', {}, who(event.actor, meId)),
                h('td', {}, event.action),
                h('td', {}, what(event)),
              ),
            )
          : h('tr', {}, h('td', { colspan: 4 }, 'Nothing yet.')),
      );
      fill(
        pager,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: offset === 0,
            onclick: () => ((offset -= PAGE), void load()),
          },
          'Newer events',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            disabled: offset + PAGE >= total,
            onclick: () => ((offset += PAGE), void load()),
          },
          'Older events',
        ),
      );
    } catch (error) {
      alert.show(message(error));
    }
  }
  const headingId = uid('audit-heading');
  void load();
  return h(
    'section',
    { 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Audit trail'),
    alert.element,
    h(
      'div',
      { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Audit trail (scrolls sideways)' },
      h(
        'table',
        {},
        h('caption', {}, 'Audit trail'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['When', 'Who', 'Action', 'What'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        tbody,
      ),
    ),
    pager,
  );
}

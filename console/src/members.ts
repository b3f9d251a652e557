import { api, message } from './api.ts';
import { confirmDialog } from './dialogs.ts';
import { alertBox, fill, h, statusBox, uid } from './dom.ts';
import type { Capabilities, Owner } from './owners.ts';
import type { MembershipResource, Role } from './types.ts';
import { ownerPath } from './types.ts';

const ROLE_NAMES: Record<Role, string> = {
  org_admin: 'Org admin',
  store_owner: 'Store owner',
  store_admin: 'Store admin',
  store_member: 'Store member',
};

/**
 * Members of an owner: who they are, their role, whether they have a second factor, and (for
 * store owners) the delegated key-management permission; add and remove.
 */
export function membersSection(owner: Owner, caps: Capabilities): HTMLElement {
  const alert = alertBox();
  const status = statusBox();
  const tbody = h('tbody');
  const base = `${ownerPath(owner)}/members`;

  async function load() {
    try {
      const { data } = await api.get<MembershipResource[]>(`${base}?page[limit]=100`);
      fill(tbody, data.length ? data.map(row) : h('tr', {}, h('td', { colspan: 5 }, 'No members yet.')));
    } catch (error) {
      alert.show(message(error));
    }
  }
  const run = (work: () => Promise<void>) => {
    alert.clear();
    work().catch((error: unknown) => alert.show(message(error)));
  };

  function row(member: MembershipResource) {
    const grant = member.permissions.manage_application_keys;
    const mayRemove = member.role !== 'store_owner' || caps.storeOwner;
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, member.email),
      h('td', {}, ROLE_NAMES[member.role] ?? member.role),
      h('td', {}, member.totp_enrolled === undefined ? 'unknown' : member.totp_enrolled ? 'yes' : 'no'),
      h(
        'td',
        {},
        caps.storeOwner && member.role === 'store_member'
          ? [
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary small',
                  'aria-pressed': String(grant),
                  'aria-label': `Key management for ${member.email}`,
                  onclick: () =>
                    run(async () => {
                      const result = await api.put<MembershipResource>(
                        `${base}/${member.user_id}/permissions`,
                        {
                          data: { manage_application_keys: !grant },
                        },
                      );
                      status.show(
                        [
                          `${grant ? 'Revoked' : 'Granted'} key management ${grant ? 'from' : 'to'} ${member.email}.`,
                          ...(result.meta?.warnings ?? []),
                        ].join(' '),
                      );
                      await load();
                    }),
                },
                'Key management',
              ),
              h('span', { class: 'hint' }, grant ? ' allowed' : ' not allowed'),
            ]
          : member.role === 'store_member'
            ? grant
              ? 'allowed'
              : 'not allowed'
            : 'by role',
      ),
      h(
        'td',
        {},
        mayRemove &&
          h(
            'button',
            {
              type: 'button',
              class: 'danger small',
              'aria-label': `Remove ${member.email}`,
              onclick: () =>
                run(async () => {
                  if (
                    !(await confirmDialog(
                      `Remove ${member.email}?`,
                      'Their access ends at once. Keys they created stay.',
                      'Remove member',
                    ))
                  )
                    return;
                  await api.delete(`${base}/${member.user_id}`);
                  status.show(`Removed ${member.email}.`);
                  await load();
                }),
            },
            'Remove',
          ),
      ),
    );
  }

  const roles: Role[] =
    owner.type === 'organization'
      ? ['org_admin']
      : ['store_member', 'store_admin', ...(caps.storeOwner ? (['store_owner'] as const) : [])];
  const emailId = uid('member-email');
  const roleId = uid('member-role');
  const email = h('input', { id: emailId, type: 'email', required: true, autocomplete: 'off' });
  const role = h(
    'select',
    { id: roleId },
    roles.map((r) => h('option', { value: r }, ROLE_NAMES[r])),
  );
  const add = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        run(async () => {
          await api.post(base, { data: { email: email.value.trim(), role: role.value } });
          status.show(`Added ${email.value.trim()}.`);
          email.value = '';
          await load();
        });
      },
    },
    h('div', { class: 'field' }, h('label', { for: emailId }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { for: roleId }, 'Role'), role),
    h('button', { type: 'submit' }, 'Add member'),
  );

  const headingId = uid('members-heading');
  void load();
  return h(
    'section',
    { 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Members'),
    alert.element,
    status.element,
    h(
      'div',
      { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Members (scrolls sideways)' },
      h(
        'table',
        {},
        h('caption', {}, 'Members'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Email', 'Role', 'Second factor', 'Key management', 'Actions'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        tbody,
      ),
    ),
    h('h3', {}, 'Add a member'),
    h('p', { class: 'hint' }, 'They need an account already (operators create accounts).'),
    add,
  );
}

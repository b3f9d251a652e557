import { api, message } from './api.ts';
import { completeSignIn, consolePath, signIn, signOut } from './auth.ts';
import { fill, h } from './dom.ts';
import { accountPage } from './account.ts';
import { ownerPage } from './owner-page.ts';
import { capabilities, loadOwners, ownerUrl, type Owner } from './owners.ts';
import type { Me } from './types.ts';

/** The console's pages by path below /console: home, an owner, the account. */
type State = { me: Me; owners: Owner[] };

const main = () => document.getElementById('main') as HTMLElement;
const header = () => document.getElementById('top') as HTMLElement;
let leaving = new AbortController();

function route(state: State) {
  leaving.abort();
  leaving = new AbortController();
  const path = location.pathname.slice(consolePath('').length) || '/';
  const match = /^\/(stores|organizations)\/([^/]+)$/.exec(path);
  let title = 'Owners';
  if (match) {
    const owner = state.owners.find(
      (o) => o.type === (match[1] === 'stores' ? 'store' : 'organization') && o.id === match[2],
    );
    if (owner) {
      title = owner.name;
      fill(main(), ownerPage(owner, state.me.id, leaving.signal));
    } else
      fill(
        main(),
        h('h1', {}, 'Not found'),
        h('p', {}, 'You are not a member of this owner, or it does not exist.'),
      );
  } else if (path === '/account') {
    title = 'Your account';
    fill(main(), accountPage(state.me));
  } else fill(main(), home(state));
  document.title = `${title} · appkeys console`;
  for (const link of header().querySelectorAll('a')) {
    if (link.pathname === location.pathname) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function home(state: State) {
  const { owners } = state;
  return [
    h('h1', {}, 'Your organizations and stores'),
    owners.length
      ? h(
          'ul',
          { class: 'cards' },
          owners.map((owner) => {
            const caps = capabilities(owner);
            const can = [
              caps.keys && 'keys',
              caps.members && 'members',
              caps.settings && 'settings',
              caps.audit && 'audit trail',
            ].filter(Boolean);
            return h(
              'li',
              {},
              h('a', { href: consolePath(ownerUrl(owner)) }, owner.name),
              h(
                'span',
                { class: 'hint' },
                ` ${owner.type}, ${owner.role.replace('_', ' ')}${owner.role === 'store_member' && owner.manageKeys ? ' with key management' : ''}`,
              ),
              h(
                'p',
                { class: 'hint' },
                can.length
                  ? `You can manage its ${can.join(', ')}.`
                  : 'Your role here gives you nothing to manage.',
              ),
            );
          }),
        )
      : h(
          'p',
          {},
          state.me.operator
            ? 'You are an operator: create organizations with the appkeys CLI, then add yourself as a member to manage them here.'
            : 'You are not a member of any organization or store yet. Ask an admin to add you.',
        ),
  ];
}

function shell(state: State) {
  const nav = h(
    'nav',
    { 'aria-label': 'Owners' },
    h(
      'ul',
      {},
      state.owners.map((owner) => h('li', {}, h('a', { href: consolePath(ownerUrl(owner)) }, owner.name))),
    ),
  );
  fill(
    header(),
    h('a', { class: 'brand', href: consolePath('/') }, 'appkeys console'),
    nav,
    h(
      'div',
      { class: 'who' },
      h('a', { href: consolePath('/account') }, 'Account'),
      h('button', { type: 'button', class: 'secondary small', onclick: () => void signOut() }, 'Sign out'),
    ),
  );
  // links inside the console change the page without reloading it
  document.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest?.('a');
    if (
      !link ||
      link.origin !== location.origin ||
      !link.pathname.startsWith(consolePath('')) ||
      event.ctrlKey ||
      event.metaKey ||
      event.shiftKey
    )
      return;
    event.preventDefault();
    history.pushState(null, '', link.href);
    route(state);
    main().focus();
  });
  window.addEventListener('popstate', () => route(state));
}

async function boot() {
  const path = location.pathname;
  if (path === consolePath('/callback')) {
    const next = await completeSignIn();
    history.replaceState(null, '', next.startsWith(consolePath('')) ? next : consolePath('/'));
  } else if (path === consolePath('/signed-out')) {
    fill(
      main(),
      h('h1', {}, 'Signed out'),
      h('p', {}, 'You are signed out of the appkeys console.'),
      h('button', { type: 'button', onclick: () => void signIn(consolePath('/'), false) }, 'Sign in again'),
    );
    return;
  }
  const { data: me } = await api.get<Me>('/v2/me');
  const state: State = { me, owners: await loadOwners(me) };
  shell(state);
  route(state);
}

boot().catch((error: unknown) => {
  fill(
    main(),
    h('h1', {}, 'Something went wrong'),
    h('p', { role: 'alert' }, message(error)),
    h('button', { type: 'button', onclick: () => void signIn(consolePath('/'), false) }, 'Sign in again'),
  );
});

import { api } from './api.ts';
import { formDialog, secretDialog } from './dialogs.ts';
import { h, uid } from './dom.ts';
import type { Capabilities, Owner } from './owners.ts';
import type { KeyResource, RateLimitView } from './types.ts';
import { ownerPath } from './types.ts';

/** The owner's limit and what the other keys reserve, for "N of M left" (M unknown to some people). */
async function limits(
  owner: Owner,
  except?: KeyResource,
): Promise<{ rateLimit?: number; reservedByOthers: number }> {
  const own = except?.reserved_rate_limit ?? 0;
  try {
    const { data } = await api.get<RateLimitView>(`${ownerPath(owner)}/rate-limit?page[limit]=1`);
    return { rateLimit: data.rate_limit, reservedByOthers: data.reserved - own };
  } catch {
    const { meta } = await api.get<KeyResource[]>(`${ownerPath(owner)}/application-keys?page[limit]=1`);
    return { rateLimit: owner.rateLimit, reservedByOthers: (meta?.total_reserved_rate_limit ?? 0) - own };
  }
}

const parseOrigins = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function field(label: string, input: HTMLInputElement | HTMLTextAreaElement, hint?: HTMLElement) {
  const id = uid('field');
  input.id = id;
  if (hint) {
    hint.id = `${id}-hint`;
    input.setAttribute('aria-describedby', hint.id);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint);
}

/**
 * Create (no `key`) or edit a key: name, reservation with what is left as you type, allowed
 * origins, and scopes limited to those the person holds. `scopes` is sent only when the person
 * narrowed them (a key made without scopes gets all of its creator's).
 */
export async function openKeyForm(
  owner: Owner,
  caps: Capabilities,
  key: KeyResource | undefined,
  done: (key: KeyResource, warnings: string[]) => void,
): Promise<void> {
  const { rateLimit, reservedByOthers } = await limits(owner, key);
  const name = h('input', {
    type: 'text',
    required: true,
    maxlength: 100,
    autocomplete: 'off',
    value: key?.name ?? '',
  });
  const reserved = h('input', {
    type: 'number',
    min: 0,
    step: 1,
    inputmode: 'numeric',
    value: key?.reserved_rate_limit ?? 0,
  });
  const left = h('p', { class: 'hint', 'aria-live': 'polite' });
  const showLeft = () => {
    const wanted = Number(reserved.value) || 0;
    left.textContent =
      rateLimit === undefined
        ? `Other keys reserve ${reservedByOthers} requests per second.`
        : `${rateLimit - reservedByOthers - wanted} of ${rateLimit} left`;
    left.classList.toggle('over', rateLimit !== undefined && wanted > rateLimit - reservedByOthers);
  };
  reserved.addEventListener('input', showLeft);
  showLeft();
  const origins = h('textarea', { rows: 2, spellcheck: 'false' });
  origins.value = (key?.allowed_origins ?? []).join('\n');
  const originsHint = h(
    'p',
    { class: 'hint' },
    'One per line, e.g. https://shop.example.com (for browser tokens).',
  );

  const current = new Set(key?.scopes ?? caps.scopes);
  const boxes = caps.scopes.map((scope) =>
    h('input', { type: 'checkbox', name: 'scope', value: scope, checked: current.has(scope) }),
  );
  const scopes = h(
    'fieldset',
    { class: 'scopes' },
    h('legend', {}, 'Scopes'),
    boxes.map((box) => h('label', { class: 'check' }, box, ` ${box.value}`)),
  );

  formDialog(
    key ? `Edit ${key.name}` : 'Create key',
    [
      field('Name', name),
      field('Reserved rate limit', reserved, left),
      field('Allowed origins', origins, originsHint),
      caps.scopes.length > 0 && scopes,
    ],
    key ? 'Save' : 'Create',
    async () => {
      const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
      const narrowed = key?.scopes
        ? chosen.join(' ') !== key.scopes.filter((scope) => caps.scopes.includes(scope)).join(' ')
        : chosen.length !== caps.scopes.length;
      const body = {
        ...(!key && { type: 'application_key' }),
        name: name.value.trim(),
        reserved_rate_limit: Number(reserved.value) || 0,
        allowed_origins: parseOrigins(origins.value),
        ...(narrowed && { scopes: chosen }),
      };
      const base = `${ownerPath(owner)}/application-keys`;
      const result = key
        ? await api.patch<KeyResource>(`${base}/${key.id}`, { data: body })
        : await api.post<KeyResource>(base, { data: body });
      const secret = result.data.client_secret;
      return () => {
        done(result.data, result.meta?.warnings ?? []);
        if (secret) secretDialog(result.data.name, secret, result.meta?.warnings);
      };
    },
  );
  name.focus();
}

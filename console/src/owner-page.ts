import { auditSection } from './audit.ts';
import { h } from './dom.ts';
import { keysSection } from './keys.ts';
import { membersSection } from './members.ts';
import { capabilities, type Owner } from './owners.ts';
import { rateLimitChart } from './rate-limit-chart.ts';
import { settingsSection } from './settings.ts';

/** An owner's page: what the person's role there lets them see, each section on its own. */
export function ownerPage(owner: Owner, meId: string, signal: AbortSignal): HTMLElement[] {
  const caps = capabilities(owner);
  const kind = owner.type === 'store' ? 'Store' : 'Organization';
  return [
    h('h1', {}, owner.name),
    h(
      'p',
      { class: 'hint' },
      `${kind} · you are ${owner.role.replace('_', ' ')}${owner.role === 'store_member' && owner.manageKeys ? ' with key management' : ''}`,
    ),
    caps.rateLimit && rateLimitChart(owner, signal),
    caps.keys && keysSection(owner, caps),
    caps.members && membersSection(owner, caps),
    caps.settings && settingsSection(owner),
    caps.audit && auditSection(owner, meId),
    !caps.keys && h('p', {}, 'Your role here gives you nothing to manage in this console.'),
  ].filter((part): part is HTMLElement => part instanceof HTMLElement);
}

import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import { payerOf } from './payer.ts';
import { ACTION_SCOPES, decide, type Action, type Target } from './permissions.ts';

const describeTarget = (target?: Target) =>
  target ? `${target.owner.type} ${target.owner.id}` : 'this resource';

/**
 * Throws 403 or 404 unless `actor` may do every one of `actions` on `target`; then charges the
 * request to its payer (DESIGN.md section 6: only the payer's own traffic spends its pools, and
 * only once it is authorized; refusals are charged to no owner). A request that needs several
 * rights asks for them in one call, so that it is never charged and then refused.
 */
export async function authorize(actor: Actor, actions: Action | Action[], target?: Target): Promise<void> {
  assertAllowed(actor, actions, target);
  const payer = payerOf(actor, target);
  if (payer) await actor.meter?.(payer);
}

/** The same checks as `authorize`, charging nobody: for a re-check of a value read under a lease. */
export function assertAllowed(actor: Actor, actions: Action | Action[], target?: Target): void {
  for (const action of Array.isArray(actions) ? actions : [actions]) refuseUnless(actor, action, target);
}

function refuseUnless(actor: Actor, action: Action, target: Target | undefined): void {
  const decision = decide(actor, action, target);
  if (decision === 'not_found') throw new AppError('not_found', `No ${describeTarget(target)}.`);
  if (decision === 'two_factor_required')
    throw new AppError(
      'forbidden',
      `The ${describeTarget(target)} requires a second factor for key managers: sign in with your TOTP code (enrol one with POST /v2/me/totp first if you have none).`,
    );
  if (decision === 'insufficient_scope')
    throw new AppError(
      'insufficient_scope',
      `Not allowed: ${action.replace('.', ' ')} on ${describeTarget(target)} needs the scope ${ACTION_SCOPES[action] ?? 'admin'}, which this token lacks.`,
    );
  if (decision === 'forbidden')
    throw new AppError('forbidden', `Not allowed: ${action.replace('.', ' ')} on ${describeTarget(target)}.`);
}

import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import { ACTION_SCOPES, decide, type Action, type Target } from './permissions.ts';

const describeTarget = (target?: Target) =>
  target ? `${target.owner.type} ${target.owner.id}` : 'this resource';

/** Throws 403 or 404 unless `actor` may do `action` on `target`. */
export function authorize(actor: Actor, action: Action, target?: Target): void {
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

import { interactionPolicy } from 'oidc-provider';

const { base, Check } = interactionPolicy;

/**
 * oidc-provider's default prompts, except that a sign-in returning to the console hosted at the
 * issuer (`{ISSUER}/console/callback`) is not treated as a native app's: its redirect cannot be
 * claimed by another program on the machine, so it needs no fresh interaction on every request,
 * and the console can renew its token silently with `prompt=none` while the session lives.
 * Loopback redirects (command-line tools) still always interact.
 */
export function consoleAwarePolicy(issuer: string): interactionPolicy.Prompt[] {
  const hostedCallback = `${issuer}/console/callback`;
  const policy = base();
  const consent = policy.get('consent');
  const native = consent?.checks.get('native_client_prompt');
  if (!consent || !native)
    throw new Error("oidc-provider's consent prompt lost its native_client_prompt check");
  const index = consent.checks.indexOf(native);
  consent.checks[index] = new Check(
    native.reason,
    native.description,
    native.error ?? 'interaction_required',
    (ctx) => (ctx.oidc.params?.redirect_uri === hostedCallback ? Check.NO_NEED_TO_PROMPT : native.check(ctx)),
  );
  return policy;
}

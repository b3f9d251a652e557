import { createHmac, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Users } from '../../domain/users.ts';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../infra/logger.ts';
import { asDatabaseUnavailable, isDatabaseUnavailable } from '../../infra/mongo/unavailable.ts';
import { CONSOLE_CLIENT_ID } from '../../oauth/console-client.ts';
import { field, readForm } from '../form-body.ts';
import type { Render } from './render.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

type Deps = {
  provider: Provider;
  users: Users;
  render: Render;
  throttle: SignInThrottle;
  csrfKey: string;
  logger: Logger;
};

/** What the interaction remembers between the password and the second factor. */
type Pending = { appkeys_pending_user?: string };

const INVALID = 'The email or password is not correct.';

/**
 * The sign-in pages on oidc-provider's interaction API: email and password, then a TOTP code for
 * users with a second factor; consent is implicit for the console at the issuer and asked for
 * loopback redirects (command-line tools). Forms carry a CSRF token bound to the interaction
 * (which oidc-provider already binds to this browser by cookie).
 * Errors never tell whether an email has an account.
 */
export function interactionRoutes(deps: Deps): Router {
  const { provider, users, render, throttle } = deps;
  const router = new Router();
  const consoleCallback = `${provider.issuer}/console/callback`;
  const csrfFor = (uid: string) => createHmac('sha256', deps.csrfKey).update(uid).digest('base64url');
  const csrfValid = (uid: string, token: string) => {
    const expected = Buffer.from(csrfFor(uid));
    const actual = Buffer.from(token);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };

  const page = (ctx: Context, status: number, html: string) => {
    ctx.status = status;
    ctx.type = 'text/html';
    ctx.set('Cache-Control', 'no-store');
    ctx.set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
    ctx.body = html;
  };
  const message = (ctx: Context, status: number, title: string, text: string) =>
    page(ctx, status, render('message', title, { title, message: text }));
  const loginPage = (ctx: Context, uid: string, status = 200, error?: string, email = '') =>
    page(ctx, status, render('login', 'Sign in', { uid, csrf: csrfFor(uid), email }, error));
  const otpPage = (ctx: Context, uid: string, status = 200, error?: string) =>
    page(ctx, status, render('second-factor', 'Second factor', { uid, csrf: csrfFor(uid) }, error));

  async function details(ctx: Context) {
    try {
      return await provider.interactionDetails(ctx.req, ctx.res);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      message(
        ctx,
        400,
        'Sign-in expired',
        'This sign-in is no longer valid. Go back to the application and start again.',
      );
      return undefined;
    }
  }

  async function finish(ctx: Context, result: Record<string, unknown>) {
    const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
  }

  /** Reads the form and checks its CSRF token; answers the error page itself when either fails. */
  async function form(ctx: Context, uid: string) {
    let body;
    try {
      body = ctx.is('application/x-www-form-urlencoded') ? await readForm(ctx, 16 * 1024) : undefined;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      message(ctx, 400, 'Request refused', error.message);
      return undefined;
    }
    if (!body || !csrfValid(uid, field(body, 'csrf'))) {
      message(
        ctx,
        403,
        'Request refused',
        'The form was not sent by this sign-in page. Reload it and try again.',
      );
      return undefined;
    }
    return body;
  }

  type Details = Awaited<ReturnType<typeof provider.interactionDetails>>;

  /**
   * Grants the console what it asked for, within its registered scope. An existing grant of this
   * session is extended rather than replaced, so tokens issued under it stay valid.
   */
  async function consent(ctx: Context, interaction: Details, accountId: string) {
    const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
    const grant =
      existing?.accountId === accountId && existing.clientId === CONSOLE_CLIENT_ID
        ? existing
        : new provider.Grant({ accountId, clientId: CONSOLE_CLIENT_ID });
    grant.addOIDCScope(String(interaction.params.scope ?? 'openid'));
    return finish(ctx, { consent: { grantId: await grant.save() } });
  }

  /**
   * The console hosted at the issuer gets implicit consent; a loopback redirect (a command-line
   * tool, or whatever else listens on that port) is named on a page the person must answer, so
   * a link that starts a sign-in cannot hand a signed-in person's token to a local listener.
   */
  const consentPage = (ctx: Context, uid: string, redirect: string) => {
    const url = new URL(redirect);
    page(
      ctx,
      200,
      render('consent', 'Allow sign-in', { uid, csrf: csrfFor(uid), port: url.port || '80', redirect }),
    );
  };

  /** A session signed in before its person enrolled a factor: ask for a code before any token. */
  const needsStepUp = async (interaction: Details, accountId: string) =>
    !interaction.session?.amr?.includes('otp') && (await users.hasSecondFactor(accountId));

  /** Remembers who passed the password (or holds the session) and shows the TOTP form. */
  async function askSecondFactor(ctx: Context, uid: string, userId: string) {
    const stored = await provider.Interaction.find(uid);
    if (!stored) return message(ctx, 400, 'Sign-in expired', 'Start again from the application.');
    stored.result = { appkeys_pending_user: userId } satisfies Pending;
    await stored.save(Math.max(60, (stored.exp ?? 0) - Math.floor(Date.now() / 1000)));
    return otpPage(ctx, uid);
  }

  // a database outage is not an expired sign-in: say so, and when to come back
  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const unavailable = asDatabaseUnavailable(error);
      if (!unavailable) throw error;
      deps.logger.warn({ path: ctx.path, reason: String(unavailable.cause) }, 'database unavailable');
      ctx.set(unavailable.headers);
      message(ctx, 503, 'Try again shortly', unavailable.message);
    }
  });

  router.get('/interaction/:uid', async (ctx) => {
    const interaction = await details(ctx);
    if (!interaction) return;
    const uid = interaction.uid;
    if (interaction.prompt.name === 'consent') {
      if (interaction.params.client_id !== CONSOLE_CLIENT_ID)
        return message(ctx, 403, 'Not allowed', 'Only the appkeys console signs people in here.');
      const accountId = interaction.session?.accountId;
      if (!accountId) return loginPage(ctx, uid);
      if (await needsStepUp(interaction, accountId)) return askSecondFactor(ctx, uid, accountId);
      const redirect = String(interaction.params.redirect_uri ?? '');
      if (redirect === consoleCallback) return consent(ctx, interaction, accountId);
      return consentPage(ctx, uid, redirect);
    }
    if ((interaction.result as Pending | undefined)?.appkeys_pending_user) return otpPage(ctx, uid);
    return loginPage(ctx, uid);
  });

  router.post('/interaction/:uid/login', async (ctx) => {
    const interaction = await details(ctx);
    if (!interaction) return;
    const uid = interaction.uid;
    const body = await form(ctx, uid);
    if (!body) return;
    const email = field(body, 'email').trim().toLowerCase();
    const wait = await throttle.blockedFor(ctx.ip, email);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      return loginPage(
        ctx,
        uid,
        429,
        `Too many failed attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`,
        email,
      );
    }
    const result = await users.signIn(email, field(body, 'password'));
    if (result.outcome === 'invalid') {
      await throttle.failed(ctx.ip, email);
      return loginPage(ctx, uid, 401, INVALID, email);
    }
    await throttle.succeeded(ctx.ip, email);
    if (result.outcome === 'second_factor') return askSecondFactor(ctx, uid, result.user.id);
    return finish(ctx, { login: { accountId: result.user.id, amr: ['pwd'] } });
  });

  router.post('/interaction/:uid/otp', async (ctx) => {
    const interaction = await details(ctx);
    if (!interaction) return;
    const uid = interaction.uid;
    const body = await form(ctx, uid);
    if (!body) return;
    const userId = (interaction.result as Pending | undefined)?.appkeys_pending_user;
    if (!userId) return loginPage(ctx, uid);
    const wait = await throttle.blockedFor(ctx.ip, `otp:${userId}`);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      return otpPage(ctx, uid, 429, `Too many wrong codes. Try again in ${Math.ceil(wait / 60)} minute(s).`);
    }
    if (!(await users.checkSecondFactor(userId, field(body, 'otp').trim()))) {
      await throttle.failed(ctx.ip, `otp:${userId}`);
      return otpPage(ctx, uid, 401, 'That code is not correct (or was already used).');
    }
    return finish(ctx, { login: { accountId: userId, amr: ['pwd', 'otp'] } });
  });

  router.post('/interaction/:uid/consent', async (ctx) => {
    const interaction = await details(ctx);
    if (!interaction) return;
    const body = await form(ctx, interaction.uid);
    if (!body) return;
    if (interaction.params.client_id !== CONSOLE_CLIENT_ID)
      return message(ctx, 403, 'Not allowed', 'Only the appkeys console signs people in here.');
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'consent' || !accountId) return loginPage(ctx, interaction.uid);
    if (await needsStepUp(interaction, accountId)) return askSecondFactor(ctx, interaction.uid, accountId);
    if (field(body, 'decision') === 'allow') return consent(ctx, interaction, accountId);
    return finish(ctx, { error: 'access_denied', error_description: 'The person refused this sign-in.' });
  });

  return router;
}

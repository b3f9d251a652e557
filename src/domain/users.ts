import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import type { DomainDeps } from './context.ts';
import { DuplicateNameError } from './ports.ts';
import { matchTotp, newTotpSecret, otpauthUri, base32Encode, TOTP_WINDOW } from './totp.ts';
import type { User } from './types.ts';

/** A hash to verify against when the email is unknown, so both cases take the same time. */
let decoyHash: Promise<string> | undefined;

/** Password rules (DESIGN.md section 6): long enough to resist guessing, short enough to hash cheaply. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return undefined;
}

const checkPassword = (password: string, label = 'The password') => {
  const problem = passwordProblem(password);
  if (problem) throw new AppError('bad_request', `${label} ${problem}.`);
};

/** How recent a sign-in must be to enrol or replace a second factor. */
export const RECENT_SIGN_IN_SECONDS = 5 * 60;

export type SignInResult =
  { outcome: 'ok'; user: User } | { outcome: 'second_factor'; user: User } | { outcome: 'invalid' };

/** People: accounts, passwords, and the TOTP second factor. */
export function createUsers(deps: DomainDeps) {
  const { repos, passwords, secretBox, clock } = deps;

  /**
   * Accepts a code's time step once: a step at or before the last one used is refused, and the
   * claim (an insert into a unique index, atomic on FerretDB v1 too) settles concurrent requests
   * with the same code: exactly one wins. Older claims are dropped, as they can no longer match.
   */
  async function claimStep(user: User, step: number): Promise<boolean> {
    if (step <= user.totpLastStep) return false;
    if (!(await repos.totpCodes.claim(user.id, step, clock()))) return false;
    await repos.users.update(user.id, { totpLastStep: step });
    await repos.totpCodes.forgetBefore(user.id, step - 2 * TOTP_WINDOW);
    return true;
  }

  /** Changing the second factor needs a fresh sign-in: a stolen, older session cannot do it. */
  function requireRecentSignIn(actor: Actor): void {
    const now = Math.floor(clock().getTime() / 1000);
    if (
      actor.kind !== 'user' ||
      actor.authTime === undefined ||
      now - actor.authTime > RECENT_SIGN_IN_SECONDS
    )
      throw new AppError(
        'forbidden',
        `Changing your second factor needs a sign-in within the last ${RECENT_SIGN_IN_SECONDS / 60} minutes: sign in again first.`,
      );
  }

  async function me(actor: Actor): Promise<User> {
    if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in person has a /v2/me.');
    const user = await repos.users.findById(actor.userId);
    if (!user) throw new AppError('unauthorized', 'The account no longer exists.');
    return user;
  }

  return {
    async create(
      actor: Actor,
      input: { email: string; password: string; operator?: boolean },
    ): Promise<User> {
      if (actor.kind !== 'cli' && !(actor.kind === 'user' && actor.operator))
        throw new AppError('forbidden', 'Only operators create accounts.');
      checkPassword(input.password);
      const user: User = {
        id: deps.newId(),
        email: input.email,
        passwordHash: await passwords.hash(input.password),
        operator: input.operator ?? false,
        totpSecret: null,
        totpEnrolled: false,
        totpPendingSecret: null,
        totpLastStep: 0,
        createdAt: clock(),
      };
      try {
        await repos.users.insert(user);
      } catch (error) {
        if (error instanceof DuplicateNameError)
          throw new AppError('conflict', `A user with the email ${input.email} exists.`);
        throw error;
      }
      return user;
    },

    /** Checks email and password; the answer never tells whether the email exists. */
    async signIn(email: string, password: string): Promise<SignInResult> {
      const user = await repos.users.findByEmail(email);
      decoyHash ??= passwords.hash('decoy password for unknown emails');
      const valid = await passwords.verify(user?.passwordHash ?? (await decoyHash), password);
      if (!user || !valid) return { outcome: 'invalid' };
      return user.totpEnrolled ? { outcome: 'second_factor', user } : { outcome: 'ok', user };
    },

    async hasSecondFactor(userId: string): Promise<boolean> {
      return (await repos.users.findById(userId))?.totpEnrolled ?? false;
    },

    /** Checks a TOTP code of an enrolled user; each code is accepted once (see `claimStep`). */
    async checkSecondFactor(userId: string, otp: string): Promise<boolean> {
      const user = await repos.users.findById(userId);
      if (!user?.totpEnrolled || !user.totpSecret) return false;
      const step = matchTotp(secretBox.open(user.totpSecret), otp, clock().getTime());
      return step !== undefined && (await claimStep(user, step));
    },

    me,

    /**
     * Changes the signed-in person's password after checking the current one. `wrong_password`
     * lets the caller count the failure against the sign-in throttle.
     */
    async changePassword(
      actor: Actor,
      current: string,
      next: string,
    ): Promise<{ outcome: 'changed' } | { outcome: 'wrong_password'; user: User }> {
      const user = await me(actor);
      checkPassword(next, 'The new password');
      if (!(await passwords.verify(user.passwordHash, current))) return { outcome: 'wrong_password', user };
      await repos.users.update(user.id, { passwordHash: await passwords.hash(next) });
      return { outcome: 'changed' };
    },

    /**
     * Starts enrolment, or the replacement of an enrolled factor: a new secret, stored encrypted
     * beside the current one (which keeps working) until `confirmTotp` confirms it. Needs a
     * sign-in within the last 5 minutes, and for a replacement one made with the current factor.
     */
    async enrolTotp(actor: Actor): Promise<{ secret: string; otpauthUri: string }> {
      const user = await me(actor);
      requireRecentSignIn(actor);
      if (user.totpEnrolled && !(actor.kind === 'user' && actor.signedInWithSecondFactor))
        throw new AppError(
          'forbidden',
          'Replacing your second factor needs a sign-in with it: sign in again with your current code.',
        );
      const secret = newTotpSecret();
      await repos.users.update(user.id, { totpPendingSecret: secretBox.seal(secret) });
      return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, user.email) };
    },

    /** Confirms the pending secret with a code from it; it becomes the (new) second factor. */
    async confirmTotp(actor: Actor, otp: string): Promise<User> {
      const user = await me(actor);
      requireRecentSignIn(actor);
      // before totpPendingSecret existed, a pending secret sat in totpSecret of a user not yet enrolled
      const pending = user.totpPendingSecret ?? (user.totpEnrolled ? null : user.totpSecret);
      if (!pending) throw new AppError('conflict', 'Start enrolment with POST /v2/me/totp first.');
      const step = matchTotp(secretBox.open(pending), otp, clock().getTime());
      if (step === undefined)
        throw new AppError('bad_request', 'The code does not match; check the time on your device.');
      if (!(await claimStep(user, step)))
        throw new AppError('bad_request', 'That code was already used; wait for the next one.');
      const confirmed = {
        totpSecret: pending,
        totpPendingSecret: null,
        totpEnrolled: true,
        totpLastStep: Math.max(step, user.totpLastStep),
      };
      await repos.users.update(user.id, confirmed);
      return { ...user, ...confirmed };
    },
  };
}

export type Users = ReturnType<typeof createUsers>;

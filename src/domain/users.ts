import { AppError } from '../errors.ts';
import type { Actor } from './actors.ts';
import type { DomainDeps } from './context.ts';
import { DuplicateNameError } from './ports.ts';
import { matchTotp, newTotpSecret, otpauthUri, base32Encode } from './totp.ts';
import type { User } from './types.ts';

/** A hash to verify against when the email is unknown, so both cases take the same time. */
let decoyHash: Promise<string> | undefined;

export type SignInResult =
  { outcome: 'ok'; user: User } | { outcome: 'second_factor'; user: User } | { outcome: 'invalid' };

/** People: accounts, passwords, and the TOTP second factor. */
export function createUsers(deps: DomainDeps) {
  const { repos, passwords, secretBox, clock } = deps;

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
      const user: User = {
        id: deps.newId(),
        email: input.email,
        passwordHash: await passwords.hash(input.password),
        operator: input.operator ?? false,
        totpSecret: null,
        totpEnrolled: false,
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

    /** Checks a TOTP code of an enrolled user, once per time step. */
    async checkSecondFactor(userId: string, otp: string): Promise<boolean> {
      const user = await repos.users.findById(userId);
      if (!user?.totpEnrolled || !user.totpSecret) return false;
      const step = matchTotp(secretBox.open(user.totpSecret), otp, clock().getTime());
      if (step === undefined || step <= user.totpLastStep) return false;
      await repos.users.update(user.id, { totpLastStep: step });
      return true;
    },

    me,

    /** Starts (or restarts) TOTP enrolment: a new secret, stored encrypted, confirmed by `confirmTotp`. */
    async enrolTotp(actor: Actor): Promise<{ secret: string; otpauthUri: string }> {
      const user = await me(actor);
      if (user.totpEnrolled) throw new AppError('conflict', 'A second factor is already enrolled.');
      const secret = newTotpSecret();
      await repos.users.update(user.id, { totpSecret: secretBox.seal(secret), totpEnrolled: false });
      return { secret: base32Encode(secret), otpauthUri: otpauthUri(secret, user.email) };
    },

    async confirmTotp(actor: Actor, otp: string): Promise<User> {
      const user = await me(actor);
      if (user.totpEnrolled) throw new AppError('conflict', 'A second factor is already enrolled.');
      if (!user.totpSecret) throw new AppError('conflict', 'Start enrolment with POST /v2/me/totp first.');
      const step = matchTotp(secretBox.open(user.totpSecret), otp, clock().getTime());
      if (step === undefined)
        throw new AppError('bad_request', 'The code does not match; check the time on your device.');
      await repos.users.update(user.id, { totpEnrolled: true, totpLastStep: step });
      return { ...user, totpEnrolled: true, totpLastStep: step };
    },
  };
}

export type Users = ReturnType<typeof createUsers>;

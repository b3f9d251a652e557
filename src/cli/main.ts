import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../config/env.ts';
import { AppError } from '../errors.ts';
import { NoDatabaseError } from '../infra/ferretdb/build-binary.ts';
import { asDatabaseUnavailable } from '../infra/mongo/unavailable.ts';
import { presentError } from '../resources/errors.ts';
import { describeIssues } from '../resources/shapes.ts';
import { openRuntime } from '../runtime.ts';
import { commands, type CommandName } from './commands.ts';
import { canPrompt, passwordFromStdin, promptNewPassword } from './read-password.ts';

const USAGE = `Usage: appkeys <command> [flags]
  appkeys user create --email E [--password-stdin] [--operator]
      (the password, at least 12 characters, from standard input or a prompt)
  appkeys org create --name N --rate-limit R
  appkeys store create --org ORG_ID --name N --rate-limit R
  appkeys key create (--org ORG_ID | --store STORE_ID) --name N [--reserved-rate-limit R] [--scopes a,b]
      [--token-format opaque|jwt]
  appkeys member add (--org ORG_ID | --store STORE_ID) --email E --role ROLE
  appkeys resource-server create --name N [--scopes orders:read,orders:write]
Configuration comes from the same environment variables as the server (MONGODB_URI, DATA_DIR, KEYS_DIR, ...).`;

function usageError(message: string): never {
  process.stderr.write(`appkeys: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function fail(error: AppError): never {
  process.stderr.write(`${JSON.stringify(presentError(error))}\n`);
  process.exit(1);
}

/** The password of a command: all of standard input with --password-stdin, else a prompt on a terminal. */
async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return passwordFromStdin();
  if (!canPrompt())
    usageError('standard input is not a terminal: give --password-stdin to read the password from it.');
  const password = await promptNewPassword().catch(() => usageError('cancelled'));
  if (password === undefined) usageError('the two passwords differ.');
  return password;
}

/** Operator commands over the same domain code as the API, with or without a running server. */
async function main(argv: string[]): Promise<void> {
  const name = argv.slice(0, 2).join(' ');
  if (argv[0] === undefined || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!(name in commands)) usageError(`unknown command "${name}"`);
  const command = commands[name as CommandName];
  if (argv.some((arg) => arg === '--password' || arg.startsWith('--password=')))
    usageError(
      '--password is not accepted: a password on the command line ends up in shell history and process lists. Use --password-stdin (e.g. `appkeys user create --email E --password-stdin < file`), or run in a terminal to be prompted.',
    );
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: argv.slice(2),
      options: command.flags as ParseArgsConfig['options'],
      strict: true,
    }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  if ('readsPassword' in command) values.password = await readPassword(values['password-stdin'] === true);
  const parsed = command.schema.safeParse(values);
  if (!parsed.success)
    usageError(
      describeIssues(parsed.error.issues).replace(/(^|; )([\w-]+):/g, (_, separator: string, flag: string) =>
        flag === 'password' ? `${separator}the password:` : `${separator}--${flag}:`,
      ),
    );

  let config;
  try {
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  } catch (error) {
    if (error instanceof ConfigError) usageError(error.message);
    throw error;
  }
  const logger = pino({ level: config.logLevel }, pino.destination(2));
  let runtime;
  try {
    runtime = await openRuntime(config, logger);
  } catch (error) {
    if (error instanceof NoDatabaseError) fail(new AppError('unavailable', error.message, { expose: true }));
    const unavailable = asDatabaseUnavailable(error);
    if (unavailable) fail(unavailable);
    throw error;
  }
  try {
    const result = await (command.run as (domain: unknown, values: unknown) => Promise<unknown>)(
      runtime.domain,
      parsed.data,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } catch (error) {
    const unavailable = asDatabaseUnavailable(error);
    if (unavailable || (error instanceof AppError && error.expose)) {
      await runtime.close().catch(() => undefined);
      fail(unavailable ?? (error as AppError));
    }
    throw error;
  } finally {
    await runtime.close();
  }
}

await main(process.argv.slice(2));

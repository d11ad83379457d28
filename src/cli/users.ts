/**
 * `mcpo users add|hash`: keys for the config file's `users` (src/config/users.ts) without starting the proxy.
 *   add <name>   make a random key (32 bytes, base64url), print it once on stdout, and write its hash into the
 *                config file (-c/--config or MCPO_CONFIG) in place, the rest of the file untouched; --force replaces
 *                the key of a user the file already has
 *   hash         read one key on stdin and print its keyHash (`sha256:<hex>`), for keys made elsewhere
 * A running mcpo with --hot-reload takes the new key at once; otherwise at its next start.
 * Exit codes: 0 ok, 1 failure, 2 usage or config error.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { replaceConfigFile } from '../config/replaceFile.js';
import { keyHashOf } from '../config/users.js';
import { withUserKey } from '../config/usersEdit.js';
import { ConfigError, McpoError, UsageError } from '../errors.js';

export const USERS_EXIT_OK = 0;
export const USERS_EXIT_FAILURE = 1;
export const USERS_EXIT_USAGE = 2;

/** Random bytes in a key `users add` makes: 256 bits. */
export const USER_KEY_BYTES = 32;

export interface UsersCliDeps {
  /** For MCPO_CONFIG. */
  env: Readonly<Record<string, string | undefined>>;
  /** `users hash` reads the key here. */
  stdin: NodeJS.ReadableStream;
  /** The key (add) or the hash (hash), alone on a line, so scripts can take it. */
  stdout: NodeJS.WritableStream;
  /** What was done, and errors. */
  stderr: NodeJS.WritableStream;
}

/** Runs `mcpo users ...` (argv as process.argv) and returns the exit code. */
export async function runUsersCli(argv: string[], deps: UsersCliDeps): Promise<number> {
  const program = new Command('mcpo').exitOverride().configureOutput({
    writeOut: (s) => deps.stdout.write(s),
    writeErr: (s) => deps.stderr.write(s),
  });
  const users = program.command('users').description("keys for the config file's users");
  users
    .command('add')
    .description('make a key for a user, print it once, and write its hash into the config file')
    .argument('<name>', 'user name: letters, digits, ".", "_", "@" and "-"')
    .option('-c, --config <file>', 'config file (default: $MCPO_CONFIG)')
    .option('--force', "replace the key of a user the file already has (the old key stops working)", false)
    .action(async (name: string, flags: { config?: string; force: boolean }) => add(deps, name, { file: configFile(deps, flags), force: flags.force }));
  users
    .command('hash')
    .description('read a key on stdin and print its keyHash for the config file')
    .action(async () => hash(deps));
  try {
    await program.parseAsync(argv);
    return USERS_EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? USERS_EXIT_OK : USERS_EXIT_USAGE;
    }
    const usage = error instanceof McpoError && (error.code === 'CONFIG_INVALID' || error.code === 'USAGE');
    deps.stderr.write(`mcpo: ${error instanceof Error ? error.message : String(error)}\n`);
    return usage ? USERS_EXIT_USAGE : USERS_EXIT_FAILURE;
  }
}

/** -c/--config, else MCPO_CONFIG; a UsageError when neither is given. */
function configFile(deps: UsersCliDeps, flags: { config?: string }): string {
  const file = flags.config ?? (deps.env.MCPO_CONFIG || undefined);
  if (file === undefined) throw new UsageError('-c/--config FILE is required (or set MCPO_CONFIG)');
  return file;
}

async function add(deps: UsersCliDeps, name: string, options: { file: string; force: boolean }): Promise<void> {
  let text: string;
  try {
    text = await readFile(options.file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file: ${(error as Error).message}`, { file: options.file }, error);
  }
  const key = randomBytes(USER_KEY_BYTES).toString('base64url');
  const edited = withUserKey(text, options.file, { name, keyHash: keyHashOf(key), force: options.force });
  await replaceConfigFile(options.file, edited, text);
  // Only once the hash is written: a key printed for a failed write would be one that opens nothing.
  deps.stdout.write(`${key}\n`);
  deps.stderr.write(
    `mcpo: ${options.force ? 'replaced the key of' : 'added'} user "${name}" in ${options.file}. The key above is shown only now ` +
      '(the file keeps its hash): give it to them; they send it as "Authorization: Bearer <key>".\n',
  );
}

async function hash(deps: UsersCliDeps): Promise<void> {
  let input = '';
  for await (const chunk of deps.stdin) input += chunk.toString();
  const key = input.trim();
  if (key === '') throw new UsageError('no key on stdin: e.g. printf %s "$KEY" | mcpo users hash');
  if (/[\r\n]/.test(key)) throw new UsageError('stdin has more than one line: give one key');
  deps.stdout.write(`${keyHashOf(key)}\n`);
}

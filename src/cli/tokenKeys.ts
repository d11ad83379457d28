/**
 * The token keys mcpo seals token records with, read once at start-up: MCPO_TOKEN_KEY (one key, or several
 * separated by commas, the first sealing) or a key file (--token-key-file / MCPO_TOKEN_KEY_FILE: one key per line,
 * # comments and blank lines skipped). Keys never appear in a message or a log line, only their ids.
 *
 * The key file passes the API key file's checks (apiKeyFile.ts: owned by this user or root, not writable by others,
 * nor any folder or link on its way) and two more: it is a regular file (a key file is meant to stay, unlike a
 * pipe), and nobody else may read it, since whoever holds the key reads every token it seals.
 */
import { TOKEN_KEY_ENV } from '../config/mcpoVariables.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createRecordCodec, type RecordCodec } from '../oauth/store/codec/recordCodec.js';
import { parseTokenKeys, splitKeyLines, splitKeyList, type TokenKey } from '../oauth/store/codec/tokenKeys.js';
import { modeText, readTrustedSecretFile } from './apiKeyFile.js';

export { TOKEN_KEY_ENV };
export const TOKEN_KEY_FILE_ENV = 'MCPO_TOKEN_KEY_FILE';

export interface TokenKeySources {
  /** mcpo's environment (MCPO_TOKEN_KEY is read from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** The key file, when one is given. */
  keyFile?: string | undefined;
  /** How the key file was given, for messages: --token-key-file or MCPO_TOKEN_KEY_FILE. Default --token-key-file. */
  keyFileName?: string;
  /** The user the key file must belong to (or root). Default the effective uid. */
  uid?: number;
}

/** The configured keys, the sealing one first; empty when none is configured. Throws ConfigError/UsageError naming the source. */
export async function loadTokenKeys(sources: TokenKeySources): Promise<TokenKey[]> {
  const inline = sources.env[TOKEN_KEY_ENV];
  const fileName = sources.keyFileName ?? '--token-key-file';
  if (inline && sources.keyFile) throw new UsageError(`give either ${TOKEN_KEY_ENV} or ${fileName}, not both`);
  if (inline) return parseTokenKeys(splitKeyList(inline), TOKEN_KEY_ENV);
  if (!sources.keyFile) return [];
  const file = sources.keyFile;
  const uid = 'uid' in sources ? sources.uid : process.geteuid?.();
  const { text, stats } = await readTrustedSecretFile(file, fileName, { uid });
  if (uid !== undefined && (stats.mode & 0o077) !== 0) {
    throw new ConfigError(`${fileName}: ${file} can be read by other users (mode ${modeText(stats)}); whoever reads it can read every token file: chmod 600 ${file}`);
  }
  return parseTokenKeys(splitKeyLines(text), `${fileName} ${file}`);
}

/** The codec for the configured keys (plaintext without any), with one info line naming the sealing key's id. */
export async function loadTokenCodec(sources: TokenKeySources, logger: Logger): Promise<RecordCodec> {
  const keys = await loadTokenKeys(sources);
  if (keys.length > 0) logger.info('token files are encrypted at rest', { keyId: keys[0]!.id, keys: keys.length });
  return createRecordCodec(keys);
}

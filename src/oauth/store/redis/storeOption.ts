/**
 * Which token store a run uses: the token files (default), or the shared store named by `--store` (MCPO_STORE),
 * else by `store` in the config file. The flag wins over the file; the key prefix comes from `--store-prefix`
 * (MCPO_STORE_PREFIX), the password from the URL or MCPO_STORE_PASSWORD.
 */
import { DEFAULT_STORE_PREFIX, parseStorePrefix, parseStoreUrl, type RedisStoreAddress } from './storeUrl.js';

export interface StoreSpec {
  address: RedisStoreAddress;
  prefix: string;
}

export interface StoreChoice {
  /** --store (or MCPO_STORE, already applied by the caller), and the name the user wrote it under. */
  flag?: { value: string; name: string } | undefined;
  /** `store` in the config file, and the file. */
  config?: { value: string; file: string } | undefined;
  prefix?: { value: string; name: string } | undefined;
  /** MCPO_STORE_PASSWORD. */
  password?: string | undefined;
}

/** The shared store chosen, or undefined for the token files. Throws UsageError naming what was written where. */
export function resolveStore(choice: StoreChoice): StoreSpec | undefined {
  const given = choice.flag?.value ? { value: choice.flag.value, where: choice.flag.name } : choice.config ? { value: choice.config.value, where: `${choice.config.file}: store` } : undefined;
  if (!given) return undefined;
  return {
    address: parseStoreUrl(given.value, given.where, choice.password || undefined),
    prefix: choice.prefix?.value ? parseStorePrefix(choice.prefix.value, choice.prefix.name) : DEFAULT_STORE_PREFIX,
  };
}

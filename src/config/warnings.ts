/**
 * Things in a config that are not errors but are probably mistakes: unknown (often misspelled) keys,
 * keys that do nothing for this kind of server, duplicate keys. The known keys come from the zod
 * schemas' shapes, so the schema stays the single source of truth.
 */
import { headerForwardingSchema } from './headerForwarding.js';
import { isJsonObject, type JsonPath } from './jsonPath.js';
import type { JsonDocumentMap } from './jsonScan.js';
import { clientMetadataSchema, oauthSchema, PASSTHROUGH_CLIENT_METADATA_KEYS } from './oauthSchema.js';
import type { ConfigProblem } from './problems.js';
import { configFileSchema, SERVER_LIST_KEYS, serverEntrySchema } from './schema.js';
import { closestKey } from './suggest.js';
import { userEntrySchema } from './users.js';

const ROOT_KEYS = Object.keys(configFileSchema.shape);
const ENTRY_KEYS = Object.keys(serverEntrySchema.shape);
const OAUTH_KEYS = Object.keys(oauthSchema.shape);
const CLIENT_METADATA_KEYS = Object.keys(clientMetadataSchema.shape);
const HEADER_FORWARDING_KEYS = Object.keys(headerForwardingSchema.shape);
const USER_KEYS = Object.keys(userEntrySchema.shape);

const STDIO_ONLY_KEYS = ['args', 'env', 'envFile', 'inheritEnv', 'cwd'];
const REMOTE_ONLY_KEYS = ['headers'];

function unknownKeys(
  value: Record<string, unknown>,
  path: JsonPath,
  known: readonly string[],
  warnings: ConfigProblem[],
  tolerated: readonly string[] = [],
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key) || tolerated.includes(key)) continue;
    const suggestion = closestKey(key, known);
    warnings.push({ path: [...path, key], message: `unknown key${suggestion ? ` (did you mean "${suggestion}"?)` : ''}` });
  }
}

/** Keys other clients give an entry that mean nothing to a proxy: named as such rather than as unknown. */
const OTHER_CLIENTS_KEYS: Readonly<Record<string, string>> = {
  dev: "is ignored: VS Code's development mode (watch and debug) is for VS Code only",
};

function entryWarnings(entry: Record<string, unknown>, path: JsonPath, warnings: ConfigProblem[]): void {
  for (const [key, message] of Object.entries(OTHER_CLIENTS_KEYS)) {
    if (entry[key] !== undefined) warnings.push({ path: [...path, key], message });
  }
  unknownKeys(entry, path, ENTRY_KEYS, warnings, Object.keys(OTHER_CLIENTS_KEYS));
  const hasCommand = entry.command !== undefined;
  const hasUrl = entry.url !== undefined || entry.serverUrl !== undefined;
  if (hasCommand !== hasUrl) {
    const ignored = hasCommand ? REMOTE_ONLY_KEYS : STDIO_ONLY_KEYS;
    for (const key of ignored.filter((k) => entry[k] !== undefined)) {
      const message = hasCommand
        ? `is ignored: "${key}" applies only to remote (url) servers`
        : `is ignored: "${key}" applies only to local (command) servers`;
      warnings.push({ path: [...path, key], message });
    }
  }
  if (entry.disabledTools !== undefined && entry.disabled_tools !== undefined) {
    warnings.push({ path: [...path, 'disabled_tools'], message: 'and "disabledTools" are the same setting: the tools of both lists are hidden' });
  }
  const forwarding = entry.client_header_forwarding;
  if (isJsonObject(forwarding)) {
    unknownKeys(forwarding, [...path, 'client_header_forwarding'], HEADER_FORWARDING_KEYS, warnings);
    if (forwarding.enabled !== true && Object.keys(forwarding).some((key) => key !== 'enabled')) {
      warnings.push({ path: [...path, 'client_header_forwarding'], message: 'is ignored: nothing is forwarded without "enabled": true' });
    }
  }
  if (isJsonObject(entry.oauth)) {
    const oauthPath = [...path, 'oauth'];
    unknownKeys(entry.oauth, oauthPath, OAUTH_KEYS, warnings);
    const metadata = entry.oauth.client_metadata;
    if (isJsonObject(metadata)) {
      unknownKeys(metadata, [...oauthPath, 'client_metadata'], CLIENT_METADATA_KEYS, warnings, PASSTHROUGH_CLIENT_METADATA_KEYS);
    }
  }
}

/** Warnings for a parsed config file (before expansion, so they describe what the user wrote), in file order. */
export function configWarnings(root: Record<string, unknown>, map: JsonDocumentMap): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  for (const duplicate of map.duplicates) {
    warnings.push({ path: duplicate.path, message: 'duplicate key: only the last one is used', location: duplicate.location });
  }
  unknownKeys(root, [], ROOT_KEYS, warnings);
  if (Array.isArray(root.inputs) && root.inputs.length > 0) {
    warnings.push({ path: ['inputs'], message: 'is ignored: mcpo cannot prompt for VS Code inputs; give their values as environment variables and write ${NAME} for ${input:…}' });
  }
  if (isJsonObject(root.users)) {
    for (const [name, user] of Object.entries(root.users)) {
      if (isJsonObject(user)) unknownKeys(user, ['users', name], USER_KEYS, warnings);
    }
  }
  for (const key of SERVER_LIST_KEYS) {
    const servers = root[key];
    if (!isJsonObject(servers)) continue;
    for (const [name, entry] of Object.entries(servers)) {
      if (isJsonObject(entry)) entryWarnings(entry, [key, name], warnings);
    }
  }
  return warnings.map((warning) => ({ ...warning, location: warning.location ?? map.locate(warning.path) }));
}

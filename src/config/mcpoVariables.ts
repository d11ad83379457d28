/** mcpo's own environment variables (MCPO_API_KEY, MCPO_HOME…): configuration of mcpo, never of its servers. */

/** Prefix of mcpo's own settings. */
export const MCPO_ENV_PREFIX = 'MCPO_';

/** True for a variable of mcpo's own (compared case-insensitively: Windows names are). */
export function isMcpoVariable(name: string): boolean {
  return name.toUpperCase().startsWith(MCPO_ENV_PREFIX);
}

/** The token keys (src/cli/tokenKeys.ts reads them); named here so checking for one loads none of the OAuth code. */
export const TOKEN_KEY_ENV = 'MCPO_TOKEN_KEY';

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childEnvironment } from '../../src/config/childEnv.js';

const parent = {
  HOME: '/home/ada',
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  USER: 'ada',
  LOGNAME: 'ada',
  SHELL: '/bin/bash',
  TERM: 'xterm-256color',
  LANG: 'de_DE.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'Europe/Berlin',
  TMPDIR: '/var/tmp',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
  GITHUB_TOKEN: 'ghp_parent',
  OPENAI_API_KEY: 'sk-parent',
  NODE_OPTIONS: '--require /tmp/evil.js',
  UNSET: undefined,
};

/** Runs a real child process with `env` and returns the environment it sees. */
function environmentSeenByChild(env: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(JSON.parse(out) as Record<string, string>));
  });
}

describe('the environment of a stdio server', () => {
  it('contains only the safe parent variables (POSIX set) plus the entry env', () => {
    expect(childEnvironment({ API_TOKEN: 'entry-token' }, parent)).toEqual({
      HOME: '/home/ada',
      PATH: parent.PATH,
      USER: 'ada',
      LOGNAME: 'ada',
      SHELL: '/bin/bash',
      TERM: 'xterm-256color',
      LANG: 'de_DE.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'Europe/Berlin',
      TMPDIR: '/var/tmp',
      API_TOKEN: 'entry-token',
    });
  });

  it('does not leak cloud keys, tokens or NODE_OPTIONS from the parent into a real child process', async () => {
    const seen = await environmentSeenByChild(childEnvironment({ MY_SETTING: 'on' }, parent));
    expect(seen.MY_SETTING).toBe('on');
    expect(seen.HOME).toBe('/home/ada');
    expect(seen).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(seen).not.toHaveProperty('GITHUB_TOKEN');
    expect(seen).not.toHaveProperty('OPENAI_API_KEY');
    expect(seen).not.toHaveProperty('NODE_OPTIONS');
  });

  it('lets the entry env override inherited variables and pass secrets on purpose', () => {
    const env = childEnvironment({ PATH: '/opt/server/bin', GITHUB_TOKEN: 'ghp_entry' }, parent);
    expect(env.PATH).toBe('/opt/server/bin');
    expect(env.GITHUB_TOKEN).toBe('ghp_entry');
  });

  it('skips variables the parent does not have and exported shell functions', () => {
    const env = childEnvironment({}, { PATH: '/bin', SHELL: '() { :; }; echo pwned', TZ: undefined });
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('reads only the environment it is given, not the process environment', () => {
    expect(childEnvironment({}, {})).toEqual({});
  });
});

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

const isolated = { inherit: false };
const inheriting = { inherit: true };

describe('the environment of an isolated stdio server ("inheritEnv": false, --isolated-env)', () => {
  it('contains only the safe parent variables (POSIX set) plus the entry env', () => {
    expect(childEnvironment({ API_TOKEN: 'entry-token' }, parent, isolated)).toEqual({
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
    const seen = await environmentSeenByChild(childEnvironment({ MY_SETTING: 'on' }, parent, isolated));
    expect(seen.MY_SETTING).toBe('on');
    expect(seen.HOME).toBe('/home/ada');
    expect(seen).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(seen).not.toHaveProperty('GITHUB_TOKEN');
    expect(seen).not.toHaveProperty('OPENAI_API_KEY');
    expect(seen).not.toHaveProperty('NODE_OPTIONS');
  });

  it('lets the entry env override inherited variables and pass secrets on purpose', () => {
    const env = childEnvironment({ PATH: '/opt/server/bin', GITHUB_TOKEN: 'ghp_entry' }, parent, isolated);
    expect(env.PATH).toBe('/opt/server/bin');
    expect(env.GITHUB_TOKEN).toBe('ghp_entry');
  });

  it('skips variables the parent does not have and exported shell functions', () => {
    const env = childEnvironment({}, { PATH: '/bin', SHELL: '() { :; }; echo pwned', TZ: undefined }, isolated);
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('reads only the environment it is given, not the process environment', () => {
    expect(childEnvironment({}, {}, isolated)).toEqual({});
    expect(childEnvironment({}, {}, inheriting)).toEqual({});
  });
});

describe('the environment of an inheriting stdio server (the default, as in the Python mcpo, Claude Code, VS Code)', () => {
  // Without the parent's NODE_OPTIONS: an inheriting child would really try to load /tmp/evil.js.
  const { NODE_OPTIONS: _nodeOptions, ...runnable } = parent;
  const withMcpo = { ...runnable, MCPO_API_KEY: 'top-secret', MCPO_HOME: '/srv/mcpo', mcpo_port: '9000' };

  it("is mcpo's whole environment with the entry env on top", () => {
    const env = childEnvironment({ GITHUB_TOKEN: 'ghp_entry', MY_SETTING: 'on' }, parent, inheriting);
    const { UNSET: _unset, ...set } = parent;
    expect(env).toEqual({ ...set, GITHUB_TOKEN: 'ghp_entry', MY_SETTING: 'on' });
  });

  it("never passes on mcpo's own MCPO_* variables (any case), and a real child does not see them", async () => {
    expect(Object.keys(childEnvironment({}, withMcpo, inheriting)).filter((name) => /^mcpo_/i.test(name))).toEqual([]);
    const seen = await environmentSeenByChild(childEnvironment({ MY_SETTING: 'on' }, withMcpo, inheriting));
    expect(seen.MY_SETTING).toBe('on');
    expect(seen.AWS_SECRET_ACCESS_KEY).toBe(parent.AWS_SECRET_ACCESS_KEY);
    expect(seen).not.toHaveProperty('MCPO_API_KEY');
    expect(JSON.stringify(seen)).not.toContain('top-secret');
  });

  it('still gives an MCPO_* key the entry env names on purpose', () => {
    expect(childEnvironment({ MCPO_MODE: 'child' }, withMcpo, inheriting).MCPO_MODE).toBe('child');
  });

  it('skips exported shell functions and unset variables', () => {
    const env = childEnvironment({}, { PATH: '/bin', BASH_FUNC_x: '() { :; }; echo pwned', TZ: undefined }, inheriting);
    expect(env).toEqual({ PATH: '/bin' });
  });
});

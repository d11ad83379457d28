/**
 * A second local Unix user, for the attacks another user of the same machine can make (issue #14): created
 * once with `useradd -M mcpo-attacker` (idempotent), and commands run as that user through setpriv. Needs
 * root (CI runs as root); `otherUser()` answers undefined otherwise, and the tests skip saying why.
 */
import { execFileSync, spawn } from 'node:child_process';

export const OTHER_USER = 'mcpo-attacker';
export const NOT_ROOT = `skipped: creating and becoming the second user "${OTHER_USER}" needs root (CI runs as root)`;

export interface OtherUser {
  name: string;
  uid: number;
  gid: number;
}

/** The second user, created if missing; undefined when not root. */
export function otherUser(): OtherUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): string | undefined => {
    try {
      return execFileSync('id', ['-u', OTHER_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  if (lookup() === undefined) {
    try {
      execFileSync('useradd', ['-M', '-s', '/usr/sbin/nologin', OTHER_USER], { stdio: 'ignore' });
    } catch {
      // created meanwhile by a parallel test file: checked below
    }
  }
  const uid = Number(lookup());
  const gid = Number(execFileSync('id', ['-g', OTHER_USER], { encoding: 'utf8' }).trim());
  return { name: OTHER_USER, uid, gid };
}

/** Runs `node -e script` as `user` (no supplementary groups); resolves with its exit code and output. */
export function runNodeAs(user: OtherUser, script: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', process.execPath, '--input-type=module', '-e', script], {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

import { describe, expect, it } from 'vitest';
import { explainSpawnFailure, SpawnError, type FileChecks } from '../../src/mcp/spawnFailure.js';

/** What Node's spawn rejects with, as the 'error' event of a child that never ran carries it. */
function spawnError(command: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${command} ${code}`), { code, syscall: `spawn ${command}`, path: command });
}

/** A file system of these paths: 'x' an executable file, 'f' a plain file, 'd' a directory. */
function files(tree: Record<string, 'x' | 'f' | 'd'>): FileChecks {
  return {
    kind: async (path) => (tree[path] === undefined ? undefined : tree[path] === 'd' ? 'directory' : 'file'),
    executable: async (path) => tree[path] === 'x' || tree[path] === 'd',
  };
}

describe('explaining a failed spawn', () => {
  it('leaves other errors as they are', async () => {
    const other = new Error('MCP error -32000: Connection closed');
    expect(await explainSpawnFailure(other, { command: 'uvx' }, files({}))).toBe(other);
  });

  it('looks a bare command up on the child PATH, in order, and finds a non-executable one', async () => {
    const error = await explainSpawnFailure(spawnError('tool', 'EACCES'), { command: 'tool', path: '/opt/a:/opt/b' }, files({ '/opt/b/tool': 'f' }));
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).toMatchObject({ code: 'SERVER_UNAVAILABLE', errno: 'EACCES', message: '`/opt/b/tool` is not executable (chmod +x it, or start it through its interpreter)' });
  });

  it('takes a relative path with a slash from the cwd', async () => {
    const error = await explainSpawnFailure(spawnError('./server', 'ENOENT'), { command: './server', cwd: '/srv/app' }, files({ '/srv/app': 'd' }));
    expect((error as Error).message).toBe('`/srv/app/server` does not exist');
  });

  it('quotes a long PATH shortened', async () => {
    const path = Array.from({ length: 80 }, (_, i) => `/opt/dir${i}`).join(':');
    const error = (await explainSpawnFailure(spawnError('uvx', 'ENOENT'), { command: 'uvx', path }, files({}))) as Error;
    expect(error.message).toMatch(/^command `uvx` not found on PATH \(PATH=\/opt\/dir0:.*…\)$/);
    expect(error.message.length).toBeLessThan(400);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LiveChildren } from '../../src/mcp/liveChildren.js';
import { processesWith } from '../helpers/processes.js';

const sleeper = (marker: string) => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });

describe('live children', () => {
  it('ends every child still running, synchronously, and forgets the ones that exited', async () => {
    const marker = `live-children-${Math.random().toString(36).slice(2)}`;
    const children = new LiveChildren();
    const [a, b] = [sleeper(marker), sleeper(marker)];
    await Promise.all([once(a, 'spawn'), once(b, 'spawn')]);
    children.add(a);
    children.add(b);
    expect(children.pids().sort()).toEqual([a.pid, b.pid].sort());

    a.kill('SIGKILL');
    await once(a, 'exit');
    // An exited child's pid may be reused by another process: it is never signalled again.
    expect(children.pids()).toEqual([b.pid]);
    expect(children.killAll('SIGKILL')).toBe(1);
    await once(b, 'exit');
    expect(await processesWith(marker)).toEqual([]);
    expect(children.pids()).toEqual([]);
  });

  it('ends what a child started too (a server behind a wrapper), before the child itself', async () => {
    const marker = `live-grandchild-${Math.random().toString(36).slice(2)}`;
    const children = new LiveChildren();
    // sh waits for its node child: the node process is mcpo's grandchild, as behind npx, uvx or a start script.
    const wrapper = spawn('/bin/sh', ['-c', `"${process.execPath}" -e "setInterval(() => {}, 1000)" ${marker}; echo done`], { stdio: 'ignore' });
    await once(wrapper, 'spawn');
    children.add(wrapper);
    // Both the shell and node carry the marker on their command lines.
    await expect.poll(() => processesWith(marker)).toHaveLength(2);
    children.killAll('SIGKILL');
    await once(wrapper, 'exit');
    await expect.poll(() => processesWith(marker)).toEqual([]);
  });
});

/**
 * A real nginx (the Debian package, /usr/sbin/nginx) as a reverse proxy in front of mcpo: its own config, pid,
 * logs and temp folders in a temporary directory, listening on 127.0.0.1, in the foreground (`daemon off`) so the
 * test owns the process and stops it. Fails, rather than skips, when nginx is missing (.ci/system-deps.sh installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { accepts } from './ports.js';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  port: number;
  /** The error log so far (for failure messages). */
  errors(): Promise<string>;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Port nginx listens on (127.0.0.1). */
  port: number;
  /** The location it proxies, e.g. `/tools/mcpo/`, stripped before forwarding. */
  location: string;
  /** Where it forwards to, e.g. http://127.0.0.1:8000/ */
  upstream: string;
}

function config(dir: string, options: NginxOptions): string {
  const at = (name: string) => path.join(dir, name);
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${at('nginx.pid')};
error_log ${at('error.log')} info;
events { worker_connections 64; }
http {
  access_log ${at('access.log')};
  client_body_temp_path ${at('client_body')};
  proxy_temp_path ${at('proxy')};
  fastcgi_temp_path ${at('fastcgi')};
  uwsgi_temp_path ${at('uwsgi')};
  scgi_temp_path ${at('scgi')};
  server {
    listen 127.0.0.1:${options.port};
    location ${options.location} {
      proxy_pass ${options.upstream};
      proxy_buffering off;
    }
  }
}
`;
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} must be installed for the reverse-proxy test (bash .ci/system-deps.sh installs it)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'mcpo-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, config(dir, options));
  const errors = () => readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '');
  // -e: the error log before the config is read is ours too (not /var/log/nginx).
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(options.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${stderr}${await errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port: options.port,
    errors,
    stop: async () => {
      // SIGQUIT: graceful stop of master and workers.
      if (child.exitCode === null) child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

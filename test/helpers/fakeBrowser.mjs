#!/usr/bin/env node
/**
 * A stand-in for the system browser, for xdg-open's $BROWSER: it starts after FAKE_BROWSER_DELAY_MS (a cold
 * browser takes a while, and meanwhile the URL sits on its command line), then opens the URL like a browser
 * would (following redirects, keeping cookies per host name) and appends what it saw to FAKE_BROWSER_LOG.
 */
import { appendFileSync } from 'node:fs';

const [url] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, Number(process.env.FAKE_BROWSER_DELAY_MS ?? 0)));
const jar = new Map();
const visited = [];
let current = new URL(url);
let res;
for (let i = 0; i < 10; i++) {
  const cookies = jar.get(current.hostname) ?? new Map();
  visited.push(current.href);
  res = await fetch(current, { redirect: 'manual', headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {} });
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar.set(current.hostname, cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()));
  }
  const location = res.headers.get('location');
  if (res.status < 300 || res.status >= 400 || !location) break;
  await res.text();
  current = new URL(location, current);
}
const page = await res.text();
appendFileSync(process.env.FAKE_BROWSER_LOG, JSON.stringify({ url, visited, status: res.status, title: /<h1>(.*?)<\/h1>/.exec(page)?.[1] }) + '\n');

// The demo stdio MCP server, made deaf to being asked to leave: it ignores SIGTERM and the end of its stdin,
// so only SIGKILL ends it. For the shutdown tests: mcpo must not wait for it forever, nor leave it running.
process.on('SIGTERM', () => process.stderr.write('stubborn server: ignoring SIGTERM\n'));
setInterval(() => {}, 60_000);
await import('../../examples/stdio-demo/server.mjs');

// The demo stdio MCP server, plus what a hostile server writes to stderr once it runs: two 12,000-character
// lines of `token.token.…`, 300 ms apart (issue #14: the redaction regex was cubic on them; one line froze
// mcpo for 47 s).
const line = `${'token.'.repeat(2_000)}\n`;
setTimeout(() => process.stderr.write(line), 300).unref();
setTimeout(() => process.stderr.write(line), 600).unref();
await import('../../examples/stdio-demo/server.mjs');

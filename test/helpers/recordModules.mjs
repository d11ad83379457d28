// Preload (node --import): appends the URL of every module the process loads to the file named by
// MCPO_TEST_MODULE_LOG, one per line, and a line `listening` when a server of the process starts listening,
// so a test can tell what was loaded before mcpo could answer. For tests of what start-up loads.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { Server } from 'node:net';

const file = process.env.MCPO_TEST_MODULE_LOG;
register('./recordModulesHooks.mjs', { parentURL: import.meta.url, data: { file } });

if (file) {
  const listen = Server.prototype.listen;
  // Registered before listen() registers its own callback, so the line is written before anything that follows listening runs.
  Server.prototype.listen = function (...args) {
    this.once('listening', () => appendFileSync(file, 'listening\n'));
    return listen.apply(this, args);
  };
}

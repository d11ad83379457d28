// Preload (node --import): appends the URL of every module the process loads to the file named by
// MCPO_TEST_MODULE_LOG, one per line. For tests that check what start-up does not load.
import { register } from 'node:module';

register('./recordModulesHooks.mjs', { parentURL: import.meta.url, data: { file: process.env.MCPO_TEST_MODULE_LOG } });

// Preloaded into a real mcpo process (node --import) by the shutdown tests: SIGUSR2 makes it fail the way a
// bug would, with an uncaught exception, or with an unhandled rejection when MCPO_TEST_CRASH=rejection.
// Nothing in mcpo's own code knows about it.
process.on('SIGUSR2', () => {
  if (process.env.MCPO_TEST_CRASH === 'rejection') void Promise.reject(new Error('test crash: a promise nobody handles'));
  else throw new Error('test crash: an exception nobody catches');
});

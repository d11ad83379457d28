// Preloaded (node --import) into third-party servers under test: whatever address they ask for, they
// listen on 127.0.0.1 only, and they report the port they got (they may be given PORT=0).
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || typeof first === 'string') {
    const callback = typeof args.at(-1) === 'function' ? args.at(-1) : undefined;
    args = callback ? [Number(first), '127.0.0.1', callback] : [Number(first), '127.0.0.1'];
  }
  this.once('listening', () => {
    const address = this.address();
    if (address && typeof address === 'object') process.stderr.write(`LOOPBACK_LISTENING ${address.port}\n`);
  });
  return listen.apply(this, args);
};

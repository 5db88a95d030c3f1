// Raw TCP connections to a test server, for tests of the wire itself (framing,
// connection caps, deadlines) where an HTTP client would hide what is sent.
import net from 'node:net';

// Opens a raw connection (optionally from a given local address) and collects
// everything it receives. `done` resolves with the text once the peer closes.
export function open(port, { localAddress } = {}) {
  const sock = net.connect({ port, host: '127.0.0.1', localAddress });
  let data = '';
  sock.on('data', (d) => { data += d; });
  const done = new Promise((resolve) => {
    sock.on('close', () => resolve(data));
    sock.on('error', () => {});
  });
  const connected = new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return { sock, done, connected, text: () => data };
}

// Waits until `pred()` holds (polling) or the time is up; returns pred().
export async function until(pred, ms = 5000) {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return pred();
}

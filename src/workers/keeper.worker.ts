// Holds a second handle to every pooled pixel buffer (see pixel-pool.ts), so that a buffer whose
// handle on the page was garbage-collected can be sent back to the page and used again. Reads and
// writes no pixels.
import type { KeeperReply, KeeperRequest } from './pixel-pool';

const held = new Map<number, SharedArrayBuffer>();

self.addEventListener('message', (e: MessageEvent<KeeperRequest>) => {
  const m = e.data;
  if (m.type === 'keep') held.set(m.id, m.buffer);
  else if (m.type === 'forget') held.delete(m.id);
  else if (m.type === 'release') {
    const buffer = held.get(m.id);
    if (buffer) self.postMessage({ type: 'back', id: m.id, buffer } satisfies KeeperReply);
  }
});

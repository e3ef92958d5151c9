// Builds Blobs of shared pixels for the cache off the main thread: copy into private memory,
// checksum, Blob, probe. The pixels are read, never written; nothing is transferred back but the Blob.
import { BlobMaker, UnreadableBlobError, probe, type BlobWorkerReply } from './blob-pixels';

const SLICE = 8 * 1024 * 1024;

self.addEventListener('message', (e: MessageEvent<{ id: number; data: Uint8Array | Uint8ClampedArray }>) => {
  const { id, data } = e.data;
  const reply = (r: BlobWorkerReply) => self.postMessage(r);
  try {
    const maker = new BlobMaker(Math.min(SLICE, data.byteLength));
    for (let off = 0; off < data.byteLength; off += SLICE) {
      maker.add(new Uint8Array(data.buffer, data.byteOffset + off, Math.min(SLICE, data.byteLength - off)));
    }
    const { blob, checksum } = maker.finish();
    // Probed here, where waiting for the browser to take the Blob in blocks no one.
    probe(blob).then(
      () => reply({ id, blob, checksum }),
      (err: unknown) => reply(err instanceof UnreadableBlobError ? { id, unreadable: true } : { id }),
    );
  } catch {
    reply({ id });
  }
});

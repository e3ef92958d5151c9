// Builds Blobs of shared pixels for the cache off the main thread: copy into private memory,
// checksum, Blob, probe. The pixels are read, never written; nothing is transferred back but the Blob.
import { BlobMaker, PAUSE_MAX_MS, UnreadableBlobError, probe, waitWhilePaused, type BlobWorkerReply, type BlobWorkerRequest } from './blob-pixels';

// 4 MB: about 8 ms of copying and checksumming, so a run that begins waits at most that long for a pause.
const SLICE = 4 * 1024 * 1024;

self.addEventListener('message', (e: MessageEvent<BlobWorkerRequest>) => {
  const { id, data, pause } = e.data;
  const reply = (r: BlobWorkerReply) => self.postMessage(r);
  try {
    const maker = new BlobMaker(Math.min(SLICE, data.byteLength));
    let left = PAUSE_MAX_MS;
    for (let off = 0; off < data.byteLength; off += SLICE) {
      left = waitWhilePaused(pause, left);
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

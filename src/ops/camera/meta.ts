import { declareOp } from '../types';

// A live source: the app opens the camera (src/app/live-sources.ts) and hands each frame to this
// step as a volatile asset; its results and everything below them stay in memory only.
export default declareOp({
  id: 'camera',
  version: 1,
  title: 'Camera',
  category: 'source',
  description:
    'A live camera stream. Each frame goes through the steps below; while they are busy only the newest frame waits (older ones are dropped). Freeze frame turns the current frame into an Image step.',
  keywords: ['webcam', 'video', 'live', 'stream', 'capture'],
  inputs: [],
  outputs: [{ name: 'image', type: 'image' }],
  params: {
    resolution: {
      kind: 'select',
      label: 'Resolution',
      description: 'Asked of the camera; it may give the nearest size it has.',
      default: '1280x720',
      options: [
        { value: '640x480', label: '640 × 480' },
        { value: '1280x720', label: '1280 × 720' },
        { value: '1920x1080', label: '1920 × 1080' },
      ],
    },
    frame: {
      kind: 'string',
      label: 'Frame',
      description: 'The current frame, set by the camera while it runs; never saved.',
      default: '',
      maxLength: 64,
      pattern: /^(?:cam-[0-9a-z]{1,20}-[0-9]{1,12})?$/,
      asset: true,
    },
  },
  live: { kind: 'camera' },
});

import { describe, expect, test } from 'vitest';
import camera from '../../../src/ops/camera/kernel';
import { ctx, randomImage } from './helpers';
import type { Image } from '../../../src/ops/types';

const frame = 'cam-abc123-42';

describe('camera', () => {
  test('gives the frame it names, without copying it', async () => {
    const img = randomImage(6, 4, 3);
    const out = await camera.kernel({}, { resolution: '1280x720', frame }, { ...ctx(), assets: new Map([[frame, img]]) });
    expect((out.image as Image).data).toBe(img.data);
  });

  test('before its first frame it says it waits for the camera', async () => {
    await expect(Promise.resolve().then(() => camera.kernel({}, { resolution: '1280x720', frame: '' }, { ...ctx(), assets: new Map() }))).rejects.toThrow(/Waiting for the camera/);
  });

  test('a frame that is gone is reported, not replaced', async () => {
    await expect(Promise.resolve().then(() => camera.kernel({}, { resolution: '1280x720', frame }, { ...ctx(), assets: new Map() }))).rejects.toThrow(/frame is gone/);
  });

  test('on a proxy run it gives a reduced frame marked with its scale', async () => {
    const img = randomImage(400, 300, 4, true);
    const out = (await camera.kernel({}, { resolution: '1280x720', frame }, { ...ctx(), assets: new Map([[frame, img]]), proxy: 10_000 })).image as Image;
    expect(out.width * out.height).toBeLessThanOrEqual(10_000);
    expect(out.scale).toBeLessThan(1);
  });
});

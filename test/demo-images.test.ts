// The demo's pictures (demo/images.js) are what the views hold: each PNG,
// decoded by sharp, has exactly the view's pixels.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp = require('sharp');

const { imageDemo } = require('../demo/images') as {
  imageDemo(
    s: typeof sharp,
    dir: string,
  ): Promise<{ written: Array<{ file: string; shape: number[]; bytes: Buffer }>; sheetFile: string }>;
};

test('crop, flip, channels and transpose PNGs decode to the views’ bytes; the contact sheet holds them all', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bp-demo-'));
  try {
    const { written, sheetFile } = await imageDemo(sharp, dir);
    expect(written.map((w) => path.basename(w.file))).toEqual([
      'crop.png',
      'flip.png',
      'red.png',
      'green.png',
      'blue.png',
      'transpose.png',
    ]);
    for (const w of written) {
      const channels = w.shape[2] ?? 1;
      // The PNG itself is greyscale for a channel: sharp decodes to sRGB unless asked.
      expect((await sharp(w.file).metadata()).channels).toBe(channels);
      const decoder = channels === 1 ? sharp(w.file).extractChannel(0) : sharp(w.file);
      const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
      expect([info.height, info.width, info.channels]).toEqual([w.shape[0], w.shape[1], channels]);
      expect(Buffer.from(data).equals(w.bytes)).toBe(true);
    }
    const sheet = await sharp(sheetFile).metadata();
    expect([sheet.width, sheet.height]).toEqual([1080, 540]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

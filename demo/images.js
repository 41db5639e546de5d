// The image section of the demo: an image made with sharp, cropped,
// flipped, split into channels and transposed as O(1) views, written back
// as PNGs through sharp, and a contact sheet of them all, so that a user can
// look instead of reading numbers. test/demo-images.test.ts decodes each
// PNG and compares its pixels with the view's bytes.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { memoryview } = require('..');
const { fromSharpRaw, withSharp } = require('../lib/interop');

/** A 192x256 RGB test card: gradients, a disc and a bar, made as raw pixels. */
function testCard(height, width) {
  const pixels = Buffer.alloc(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const inDisc = (x - width * 0.65) ** 2 + (y - height * 0.4) ** 2 < (height * 0.25) ** 2;
      const inBar = y > height * 0.75 && y < height * 0.85;
      pixels[at] = inDisc ? 240 : Math.round((255 * x) / width);
      pixels[at + 1] = inBar ? 230 : Math.round((255 * y) / height);
      pixels[at + 2] = inDisc ? 40 : 128;
    }
  }
  return pixels;
}

/**
 * Writes source.png, crop.png, flip.png, red.png, green.png, blue.png,
 * transpose.png and contact-sheet.png under `outDir`.
 * @returns the views' expected pixels per file: { file, shape, bytes }.
 */
async function imageDemo(sharp, outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const height = 192;
  const width = 256;
  const sourceFile = path.join(outDir, 'source.png');
  await sharp(testCard(height, width), { raw: { width, height, channels: 3 } }).png().toFile(sourceFile);

  // Decoded by sharp, seen as a [h, w, 3] view of sharp's own buffer.
  const image = fromSharpRaw(await sharp(sourceFile).raw().toBuffer({ resolveWithObject: true }));
  const views = {
    crop: image.slice([40, 150], [120, 240]),
    flip: image.slice('::-1'),
    red: image.slice(null, null, 0),
    green: image.slice(null, null, 1),
    blue: image.slice(null, null, 2),
    transpose: image.transpose(1, 0, 2),
  };
  const written = [];
  for (const [name, view] of Object.entries(views)) {
    const file = path.join(outDir, `${name}.png`);
    // withSharp holds the memory until sharp has written the file; a
    // strided view (all of these) is packed once on the way in.
    // One channel stays a greyscale PNG (sharp would write sRGB).
    await withSharp(view, sharp, (img) => (view.ndim === 2 ? img.toColourspace('b-w') : img).png().toFile(file));
    written.push({ file, shape: [...view.shape], bytes: Buffer.from(view.toBytes()) });
  }

  // The contact sheet: every picture on one canvas, in two rows.
  const tiles = written.map((w) => ({ file: w.file, h: w.shape[0], w: w.shape[1] }));
  const cell = 270;
  const sheet = sharp({ create: { width: cell * 4, height: cell * 2, channels: 3, background: { r: 32, g: 32, b: 32 } } });
  const placed = [{ file: sourceFile, h: height, w: width }, ...tiles].map((t, i) => ({
    input: t.file,
    left: (i % 4) * cell + Math.floor((cell - t.w) / 2),
    top: Math.floor(i / 4) * cell + Math.floor((cell - t.h) / 2),
  }));
  const sheetFile = path.join(outDir, 'contact-sheet.png');
  await sheet.composite(placed).png().toFile(sheetFile);

  for (const view of Object.values(views)) view.release();
  image.release();
  return { written, sourceFile, sheetFile };
}

module.exports = { imageDemo };

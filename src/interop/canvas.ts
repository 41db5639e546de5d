// Canvas ImageData (@napi-rs/canvas, or any ImageData: RGBA bytes, row by
// row) as a [height, width, 4] view and back, with no copy. The canvas
// package is an optional peer: the caller passes the module it holds.
import { BufferError, invalidArgType } from '../errors';
import { BufferFlags } from '../flags';
import { getBuffer } from '../export/get-buffer';
import { memoryview, type MemoryView } from '../index';

/** What an ImageData has: RGBA bytes, width and height. */
export interface ImageDataLike {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** The part of a canvas module this adapter calls. */
export interface CanvasModule<T> {
  readonly ImageData: new (data: Uint8ClampedArray, width: number, height: number) => T;
}

/**
 * An ImageData's pixels as a `[height, width, 4]` 'B' view of the same memory.
 * @throws {TypeError} ERR_INVALID_ARG_TYPE when image has no Uint8ClampedArray `data`.
 * @throws {BufferError} ERR_BUFFER_STRUCTURE_MISMATCH when the data is not width * height * 4 bytes.
 */
export function fromImageData(image: ImageDataLike): MemoryView {
  if (
    typeof image !== 'object' ||
    image === null ||
    !(ArrayBuffer.isView(image.data) && Object.prototype.toString.call(image.data) === '[object Uint8ClampedArray]')
  ) {
    throw invalidArgType('image', 'an ImageData (RGBA bytes in a Uint8ClampedArray)', image);
  }
  const { data, width, height } = image;
  if (data.length !== width * height * 4)
    throw new BufferError('ERR_BUFFER_STRUCTURE_MISMATCH', `${data.length} bytes are not ${width}x${height} RGBA pixels`);
  return memoryview(data.buffer, { format: 'B', shape: [height, width, 4], byteOffset: data.byteOffset });
}

/**
 * An ImageData over a C-contiguous `[height, width, 4]` 'B' view's memory,
 * with no copy (ImageData keeps the array it is given).
 * @throws {BufferError} ERR_BUFFER_NOT_C_CONTIGUOUS for a strided view (use
 *   toContiguous), ERR_BUFFER_STRUCTURE_MISMATCH for another shape or format.
 */
export function toImageData<T>(view: unknown, canvas: CanvasModule<T>): T {
  if (typeof canvas !== 'object' || canvas === null || typeof canvas.ImageData !== 'function') {
    throw invalidArgType('canvas', "a canvas module with ImageData (require('@napi-rs/canvas'))", canvas);
  }
  const info = getBuffer(view, BufferFlags.C_CONTIGUOUS | BufferFlags.FORMAT);
  try {
    const shape = info.shape ?? [];
    if (info.itemsize !== 1 || shape.length !== 3 || shape[2] !== 4) {
      throw new BufferError(
        'ERR_BUFFER_STRUCTURE_MISMATCH',
        `ImageData is [height, width, 4] bytes (RGBA); got ${JSON.stringify(info.shape)} of '${info.format}'`,
      );
    }
    return new canvas.ImageData(new Uint8ClampedArray(info.buffer, info.byteOffset, info.len), shape[1]!, shape[0]!);
  } finally {
    info.release();
  }
}

// The Worker of smoke.cjs: claims the shared NativeBuffer and fills it with 7s.
'use strict';
const { workerData } = require('node:worker_threads');
const { NativeBuffer } = require('../../lib');

const nb = NativeBuffer.fromShared(workerData);
new Int32Array(nb.buffer).fill(7);
nb.close();

// Where the prebuilt addon of this platform lives in the package. Shared by
// the install script, prepack and the loader (lib/native.js).
'use strict';
const path = require('node:path');

/** 'linux-x64', or 'linux-x64-musl' where the C library is musl (no glibc version in the report). */
function platformTag() {
  const report = process.platform === 'linux' && process.report ? process.report.getReport().header : null;
  const musl = report !== null && !report.glibcVersionRuntime;
  return `${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

function prebuiltPath(root) {
  return path.join(root, 'prebuilds', platformTag(), 'buffer_protocol.node');
}

module.exports = { platformTag, prebuiltPath };

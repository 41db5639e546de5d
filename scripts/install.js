// npm's install script: the prebuilt addon when it loads here, else a build
// from source with node-gyp (a C++ toolchain and Python). A checkout of the
// repository (test/native exists) always builds: its tests need the C
// fixtures, and a prebuilt left by an earlier npm pack may be stale.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { prebuiltPath } = require('./prebuilt');

const root = path.join(__dirname, '..');
const prebuilt = prebuiltPath(root);
const checkout = fs.existsSync(path.join(root, 'test', 'native'));
// `npm install --build-from-source` (the convention of prebuilt addons) skips the prebuilt.
const fromSource = process.env.npm_config_build_from_source === 'true';

function loads(file) {
  // In a child: a binary for another C library may crash the process that dlopens it.
  const child = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], { stdio: 'ignore' });
  return child.status === 0;
}

if (!checkout && !fromSource && fs.existsSync(prebuilt) && loads(prebuilt)) {
  console.log(`buffer-protocol: using the prebuilt addon ${path.relative(root, prebuilt)}`);
  process.exit(0);
}
// npm hands its own node-gyp to install scripts; else the one on PATH.
const gyp = process.env.npm_config_node_gyp;
const command = gyp ? process.execPath : 'node-gyp';
const args = gyp ? [gyp, 'rebuild'] : ['rebuild'];
const child = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: !gyp && process.platform === 'win32' });
if (child.error) console.error(`buffer-protocol: could not run node-gyp: ${child.error.message}`);
process.exit(child.status ?? 1);

// npm pack's prepack: puts the addon of this machine in prebuilds/ so that
// installs on the same platform (linux-x64 with glibc) need no compiler.
// It is an N-API addon (NAPI_VERSION=9): one binary serves every Node >= 20.3
// and every runtime that loads N-API. Built fresh, without the test fixtures'
// or CI's settings, and stripped.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { prebuiltPath, platformTag } = require('./prebuilt');

const root = path.join(__dirname, '..');
const tag = platformTag();
if (tag !== 'linux-x64') {
  console.log(`prebuild: no prebuilt binary for ${tag} (only linux-x64 with glibc ships one)`);
  process.exit(0);
}
// node-gyp builds in ./build: build a copy of what the package ships (inside
// the package, where node-addon-api resolves).
const out = path.join(root, 'build-prebuild');
fs.rmSync(out, { recursive: true, force: true });
for (const entry of ['binding.gyp', 'native/core', 'native/binding', 'native/include']) {
  fs.cpSync(path.join(root, entry), path.join(out, entry), { recursive: true });
}
const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
const env = { ...process.env };
delete env.BUFFER_PROTOCOL_WERROR;
execFileSync(process.execPath, [nodeGyp, 'rebuild', '--release'], { cwd: out, env, stdio: ['ignore', 'ignore', 'inherit'] });
const target = prebuiltPath(root);
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(path.join(out, 'build', 'Release', 'buffer_protocol.node'), target);
execFileSync('strip', ['--strip-unneeded', target]);
fs.rmSync(out, { recursive: true, force: true });
console.log(`prebuild: ${path.relative(root, target)} (${fs.statSync(target).size} bytes)`);

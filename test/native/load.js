// Loads a C fixture of test/native (built by binding.gyp next to the addon)
// from the directory of the addon under test: that of BUFFER_PROTOCOL_ADDON
// (the sanitizer build) when set, else build/Release. Shared by the jest
// helper, the child-process fixtures, the benchmarks and the demo.
'use strict';
const path = require('node:path');

function fixtureDir() {
  const override = process.env.BUFFER_PROTOCOL_ADDON;
  return override ? path.dirname(override) : path.join(__dirname, '..', '..', 'build', 'Release');
}

module.exports = function loadFixture(name) {
  return require(path.join(fixtureDir(), `${name}.node`));
};

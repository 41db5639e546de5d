// The directory of buffer_protocol.h, for other addons' binding.gyp:
//   "include_dirs": ["<!(node -p \"require('buffer-protocol/include')\")"]
'use strict';
module.exports = require('node:path').join(__dirname, 'native', 'include');

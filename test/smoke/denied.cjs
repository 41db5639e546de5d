// Run by run.sh under Deno with read access only: loading the package must
// refuse with the permissions to give, not a raw error. Prints the code.
'use strict';
try {
  require('../../lib');
  console.log('loaded');
} catch (error) {
  console.log(`${error.code}: ${error.message}`);
}

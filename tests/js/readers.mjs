// Loads the test readers (npm packages that tests/deps.sh installs into
// TW_NODE_DIR, outside the source tree) by their installed path, so that
// scripts here can import them from anywhere.
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { pathToFileURL } from 'node:url';

export const nodeDir = process.env.TW_NODE_DIR || `${homedir()}/.cache/twpipe/node`;
const require = createRequire(`${nodeDir}/`);

// import(name) from TW_NODE_DIR/node_modules; exits 3 with a message
// when the package is not installed (make deps installs it).
export async function load(name) {
  let path;
  try {
    path = require.resolve(name);
  } catch {
    console.error(`readers: ${name} is not installed in ${nodeDir} (run make deps)`);
    process.exit(3);
  }
  return import(pathToFileURL(path).href);
}

// `npm install` runs this: writes src/native/api/gen/abi.h from src/native/api/abi.json, then builds the
// native engine with the node-gyp that npm ships, against Node's own headers (npm's nodedir),
// downloading nothing. A failed build never fails the install: the JavaScript engine runs, and
// this prints one line saying why.
//
// That promise holds only if nothing here can throw before it is kept. So this file imports
// nothing at its top but Node's own modules, and everything else (our abi generator, which a
// package could lack) is loaded inside the try below; any error at all becomes the one line and
// exit 0. test/integration/package-install.test.ts installs the packed tarball with and
// without a C compiler to hold this.
import { spawnSync } from 'node:child_process';

/** Prints why the addon was not built and ends the install successfully. */
function why(text) {
  process.stderr.write(
    `portchurn: the native engine was not built (${text}); the JavaScript engine will run. 'portchurn doctor' checks it.\n`,
  );
  process.exit(0);
}

async function build() {
  if (process.platform !== 'linux') return why(`it needs Linux's epoll, this is ${process.platform}`);
  const gyp = process.env.npm_config_node_gyp;
  if (!gyp) return why('npm did not name its node-gyp (npm_config_node_gyp); run npm install through npm');
  // The C side of src/native/api/abi.json (src/native/api/gen/abi.h), which the build asserts its layout against.
  try {
    const { writeAbiHeader } = await import('./native-abi.mjs');
    writeAbiHeader();
  } catch (error) {
    return why(`src/native/api/abi.json could not be turned into src/native/api/gen/abi.h: ${error.message}`);
  }
  const made = spawnSync(process.execPath, [gyp, 'rebuild', '--jobs', 'max'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (made.error) return why(`node-gyp could not be started: ${made.error.message}`);
  if (made.status !== 0) {
    const lines = `${made.stderr}\n${made.stdout}`
      .split('\n')
      .filter((l) => /error|not found/i.test(l) && !/^gyp ERR! (cwd|node -v|node-gyp -v|not ok|System|command)/.test(l));
    return why(lines[0]?.trim() || `node-gyp exited ${made.status ?? made.signal}`);
  }
}

build().catch((error) => why(`the build script failed: ${error?.message ?? error}`));

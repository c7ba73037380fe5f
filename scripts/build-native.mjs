// `npm install` runs this: writes src/native/gen/abi.h from src/native/abi.json, then builds the
// native engine with the node-gyp that npm ships, against Node's own headers (npm's nodedir),
// downloading nothing. A failed build never fails the
// install: the JavaScript engine runs, and this prints one line saying why.
import { spawnSync } from 'node:child_process';
import { writeAbiHeader } from './native-abi.mjs';

const gyp = process.env.npm_config_node_gyp;
const why = (text) => {
  process.stderr.write(
    `portchurn: the native engine was not built (${text}); the JavaScript engine will run. 'portchurn doctor' checks it.\n`,
  );
  process.exit(0);
};
if (process.platform !== 'linux') why(`it needs Linux's epoll, this is ${process.platform}`);
if (!gyp) why('npm did not name its node-gyp (npm_config_node_gyp); run npm install through npm');
// The C side of src/native/abi.json (src/native/gen/abi.h), which the build asserts its layout against.
try {
  writeAbiHeader();
} catch (error) {
  why(`src/native/abi.json could not be turned into src/native/gen/abi.h: ${error.message}`);
}
const build = spawnSync(process.execPath, [gyp, 'rebuild', '--jobs', 'max'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (build.status !== 0) {
  const lines = `${build.stderr}\n${build.stdout}`
    .split('\n')
    .filter((l) => /error/i.test(l) && !/^gyp ERR! (cwd|node -v|node-gyp -v|not ok|System|command)/.test(l));
  why(lines[0]?.trim() || `node-gyp exited ${build.status ?? build.signal}`);
}

// `npm install`, `npm ci` and `npm pack` run this (`prepare`): it builds appkeys/limiter into dist/
// (`npm run build`). Where TypeScript is not installed (`npm ci --omit=dev`, as in the Docker image,
// which runs the server from source) there is nothing to build with: it says so and succeeds.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stdout.write('prepare: TypeScript is not installed; appkeys/limiter (dist/) not built\n');
  process.exit(0);
}
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.lib.json'], { stdio: 'inherit' });

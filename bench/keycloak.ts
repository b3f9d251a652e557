// Keycloak 26.7.3 for the peers benchmark: fetched from Maven Central with `mvn dependency:get`
// (into .cache/m2), unpacked into .cache/keycloak-26.7.3 and `kc.sh build` once, then started
// with `start --optimized` on a free loopback port (HTTP, hostname strict off, dev-file H2 under
// its own data/, heap capped at 512 MiB, one node with the local cache). A realm with a
// confidential service-account client is made through the admin REST API; the client gets an
// audience mapper naming itself, because Keycloak introspects a token for a client only when the
// token's audience holds it.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from '../src/infra/free-port.ts';
import { root } from './services.ts';

export const KEYCLOAK_VERSION = '26.7.3';
const run = promisify(execFile);
const cache = path.join(root, '.cache');
const home = path.join(cache, `keycloak-${KEYCLOAK_VERSION}`);
const built = path.join(home, '.appkeys-bench-built');
const admin = { username: 'bench-admin', password: 'bench-admin-password' };
export const keycloakClient = {
  realm: 'bench',
  id: 'bench',
  secret: 'bench-secret-bench-secret-bench-secret',
};

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Download, unpack and build once; later runs find the built copy under .cache/. */
async function ensureKeycloak(log: (line: string) => void) {
  if (await exists(built)) return;
  if (!(await exists(path.join(home, 'bin/kc.sh')))) {
    const repository = path.join(cache, 'm2');
    log(`fetching org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip with mvn...`);
    await run(
      'mvn',
      [
        '-q',
        '-B',
        'dependency:get',
        `-Dartifact=org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`,
        '-Dtransitive=false',
        `-Dmaven.repo.local=${repository}`,
      ],
      { maxBuffer: 64 * 2 ** 20 },
    );
    const zip = path.join(
      repository,
      `org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`,
    );
    const partial = `${home}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await run('unzip', ['-q', zip, '-d', partial]);
    await rename(path.join(partial, `keycloak-${KEYCLOAK_VERSION}`), home);
    await rm(partial, { recursive: true, force: true });
  }
  // a database left by another run may hold another bootstrap admin: start from an empty one
  await rm(path.join(home, 'data'), { recursive: true, force: true });
  log('kc.sh build --db=dev-file (once)...');
  await run(path.join(home, 'bin/kc.sh'), ['build', '--db=dev-file'], {
    env: { ...process.env, JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx512m' },
    maxBuffer: 64 * 2 ** 20,
  });
  await writeFile(built, `${new Date().toISOString()}\n`);
}

async function json(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (typeof init.body === 'string' && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  if (!response.ok && response.status !== 404)
    throw new Error(`Keycloak ${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** The bench realm (made anew each run; tokens live an hour) and its service-account client. */
async function configure(url: string) {
  const adminToken = await json(`${url}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...admin }).toString(),
  });
  const token = (adminToken.body as { access_token: string }).access_token;
  const realms = `${url}/admin/realms`;
  await json(`${realms}/${keycloakClient.realm}`, { method: 'DELETE', token });
  await json(realms, {
    method: 'POST',
    token,
    body: JSON.stringify({ realm: keycloakClient.realm, enabled: true, accessTokenLifespan: 3600 }),
  });
  await json(`${realms}/${keycloakClient.realm}/clients`, {
    method: 'POST',
    token,
    body: JSON.stringify({
      clientId: keycloakClient.id,
      secret: keycloakClient.secret,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      protocolMappers: [
        {
          name: 'audience: itself',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-audience-mapper',
          config: {
            'included.client.audience': keycloakClient.id,
            'access.token.claim': 'true',
            'introspection.token.claim': 'true',
            'id.token.claim': 'false',
          },
        },
      ],
    }),
  });
}

/** Starts Keycloak (fetching and building it first if needed) and configures the bench realm. */
export async function startKeycloak(log: (line: string) => void) {
  await ensureKeycloak(log);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // detached: kc.sh runs java as its child, so the whole process group is stopped at the end
  const child = spawn(
    path.join(home, 'bin/kc.sh'),
    [
      'start',
      '--optimized',
      '--http-enabled=true',
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      '--hostname-strict=false',
      '--cache=local',
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx512m',
        KC_BOOTSTRAP_ADMIN_USERNAME: admin.username,
        KC_BOOTSTRAP_ADMIN_PASSWORD: admin.password,
      },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = once(child, 'exit');
    process.kill(-child.pid, 'SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
  };
  try {
    const started = performance.now();
    log(`starting Keycloak ${KEYCLOAK_VERSION} on ${url} (a first start creates its database: minutes)...`);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Keycloak exited with ${child.exitCode}: ${stderr}`);
      const ready = await fetch(`${url}/realms/master`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (performance.now() - started > 300_000)
        throw new Error(`Keycloak did not start in 300 s: ${stderr}`);
      await sleep(1000);
    }
    log(
      `Keycloak answered after ${Math.round((performance.now() - started) / 1000)} s; configuring the realm`,
    );
    await configure(url);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    tokenEndpoint: `${url}/realms/${keycloakClient.realm}/protocol/openid-connect/token`,
    introspectionEndpoint: `${url}/realms/${keycloakClient.realm}/protocol/openid-connect/token/introspect`,
    stop,
  };
}

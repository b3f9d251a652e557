// A resource server as a user writes it: plain JavaScript (no TypeScript, no tsx), appkeys/limiter
// installed from its npm tarball, no database. Copied into a temporary project by
// test/library-package.test.ts. GET /modules says which packages this process has loaded.
import { createRequire } from 'node:module';
import Koa from 'koa';
import { createRateLimitMiddleware } from 'appkeys/limiter';

const limit = await createRateLimitMiddleware({
  redisUrl: process.env.REDIS_URL,
  introspection: {
    url: process.env.INTROSPECTION_URL,
    clientId: process.env.RS_CLIENT_ID,
    clientSecret: process.env.RS_CLIENT_SECRET,
  },
});
const loaded = (name) =>
  Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(`/node_modules/${name}/`));

const app = new Koa();
app.use((ctx, next) =>
  ctx.path === '/modules'
    ? (ctx.body = { ioredis: loaded('ioredis'), mongoose: loaded('mongoose') })
    : next(),
);
app.use(limit.middleware);
app.use((ctx) => {
  ctx.body = { orders: [], key: ctx.state.appkeys.keyId };
});
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => {
  server.close();
  void limit.close();
});

// Makes a freshly started mongod (`.ci/mongod start`) a one-node replica set and waits until it is
// primary. The wheel ships no mongo shell, so this uses the Node driver the project already has.
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';

const host = process.argv[2];
if (!host) throw new Error('usage: node .ci/mongod-initiate.mjs HOST:PORT');
const client = new MongoClient(`mongodb://${host}/?directConnection=true`, {
  serverSelectionTimeoutMS: 30_000,
});
try {
  const admin = client.db('admin');
  await admin.command({ replSetInitiate: { _id: 'rs0', members: [{ _id: 0, host }] } });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const hello = await admin.command({ hello: 1 });
    if (hello.isWritablePrimary) break;
    if (Date.now() > deadline) throw new Error(`mongod on ${host} did not become primary within 60 s`);
    await sleep(200);
  }
  process.stdout.write(`mongod on ${host} is primary\n`);
} finally {
  await client.close();
}

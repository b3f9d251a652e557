// `node --import tsx bench/heap-diff.ts FIRST.heapsnapshot LAST.heapsnapshot [N]`: what grew between
// two V8 heap snapshots (e.g. the soak's `--heap-snapshots=DIR`, after minute 1 and at the end),
// as count and self size per constructor (objects, closures by function name, and V8's internal
// kinds in parentheses), the N largest growths first. A leak shows as a constructor (a Map, an
// array, a class of ours) whose count keeps growing; warm-up shows as compiled code.
import { readFile } from 'node:fs/promises';

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
};

async function byConstructor(file: string): Promise<Map<string, { count: number; bytes: number }>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [
    number,
    number,
    number,
  ];
  const totals = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const kind = types[heap.nodes[i + type]!]!;
    const label = heap.strings[heap.nodes[i + name]!]!;
    const key =
      kind === 'object' || kind === 'native' ? label : kind === 'closure' ? `closure ${label}` : `(${kind})`;
    const total = totals.get(key) ?? { count: 0, bytes: 0 };
    total.count += 1;
    total.bytes += heap.nodes[i + size]!;
    totals.set(key, total);
  }
  return totals;
}

const [first, last, limit = '20'] = process.argv.slice(2);
if (!first || !last) throw new Error('usage: heap-diff.ts FIRST.heapsnapshot LAST.heapsnapshot [N]');
const [before, after] = [await byConstructor(first), await byConstructor(last)];
const sum = (totals: Map<string, { bytes: number }>) =>
  [...totals.values()].reduce((bytes, total) => bytes + total.bytes, 0);
const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
  const [a, b] = [before.get(key), after.get(key)];
  return {
    constructor: key.slice(0, 60),
    count: `${a?.count ?? 0} -> ${b?.count ?? 0}`,
    countGrowth: (b?.count ?? 0) - (a?.count ?? 0),
    bytesGrowth: (b?.bytes ?? 0) - (a?.bytes ?? 0),
  };
});
process.stdout.write(`heap (self sizes): ${sum(before)} -> ${sum(after)} bytes\n`);
console.table(rows.sort((x, y) => y.bytesGrowth - x.bytesGrowth).slice(0, Number(limit)));

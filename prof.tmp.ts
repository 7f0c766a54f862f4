import { MongoClient } from 'mongodb';
async function main() {
  const c = new MongoClient('mongodb://127.0.0.1:34583/?directConnection=true');
  await c.connect();
  const dbs = (await c.db('admin').admin().listDatabases()).databases.map((d) => d.name).filter((n) => n.startsWith('chaos'));
  console.log(dbs);
  for (const d of dbs) console.log(d, await c.db(d).command({ profile: 1, slowms: 15 }).catch((e) => e.message));
  await new Promise((r) => setTimeout(r, 45_000));
  for (const d of dbs) {
    await c.db(d).command({ profile: 0 }).catch(() => 0);
    const docs = await c.db(d).collection('system.profile').find({}).toArray();
    const agg = new Map<string, { n: number; ms: number; max: number }>();
    for (const p of docs) {
      const cmd = p.command ?? {};
      const key = `${p.op} ${p.ns} ${JSON.stringify(Object.keys(cmd.filter ?? cmd.q ?? cmd.query ?? {}))} ${cmd.sort ? 'sort' + JSON.stringify(cmd.sort) : ''} ${p.planSummary ?? ''}`;
      const a = agg.get(key) ?? { n: 0, ms: 0, max: 0 };
      a.n++; a.ms += p.millis ?? 0; a.max = Math.max(a.max, p.millis ?? 0); agg.set(key, a);
    }
    for (const [k, a] of [...agg].sort((x, y) => y[1].ms - x[1].ms).slice(0, 12)) console.log(a.n, a.ms, a.max, k);
  }
  await c.close();
}
main();

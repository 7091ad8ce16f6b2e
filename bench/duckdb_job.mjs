// duckdb_job.mjs SQLFILE: runs the statements of SQLFILE (separated by
// ";\n") in one in-memory DuckDB (the npm package @duckdb/node-api, two
// threads unless TW_DUCKDB_THREADS says) and prints "WALL CPU" in seconds
// for the statements alone: the start of node and of DuckDB is not timed
// (bench/shapes.sh). Exit status 1 with DuckDB's message when one fails.
import { readFileSync } from 'node:fs';
import { load } from '../tests/js/readers.mjs';

const { DuckDBInstance } = await load('@duckdb/node-api');
try {
  const db = await DuckDBInstance.create(':memory:', { threads: process.env.TW_DUCKDB_THREADS || '2' });
  const con = await db.connect();
  const sql = readFileSync(process.argv[2], 'utf8')
    .split(/;\s*\n/).map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter((s) => s);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const s of sql) await con.run(s);
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  process.stdout.write(`${(Number(t1 - t0) / 1e9).toFixed(4)} ${((c1.user + c1.system) / 1e6).toFixed(3)}\n`);
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}

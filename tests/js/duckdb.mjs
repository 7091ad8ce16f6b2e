// duckdb.mjs SQL [SQL ...]: runs each statement in one in-memory DuckDB
// (the npm package @duckdb/node-api) and prints the rows of the last one,
// tab-separated, one row a line: NULL as \N, lists and structs as JSON.
// Exit status 1 with DuckDB's message when a statement fails.
import { load } from './readers.mjs';

const { DuckDBInstance } = await load('@duckdb/node-api');
const show = (v) => v === null || v === undefined ? '\\N'
  : typeof v === 'object' ? JSON.stringify(v, (k, x) => typeof x === 'bigint' ? x.toString() : x)
  : String(v);
try {
  const db = await DuckDBInstance.create(':memory:', { threads: process.env.TW_DUCKDB_THREADS || '2' });
  const con = await db.connect();
  let rows = [];
  for (const sql of process.argv.slice(2)) {
    const r = await con.runAndReadAll(sql);
    rows = r.getRowsJS ? r.getRowsJS() : r.getRows();
  }
  process.stdout.write(rows.map((row) => row.map(show).join('\t') + '\n').join(''));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}

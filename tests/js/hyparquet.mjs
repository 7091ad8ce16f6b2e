// hyparquet.mjs FILE: reads a Parquet file with hyparquet (and
// hyparquet-compressors for snappy, gzip, zstd) and prints every row as
// one JSON object a line, columns in schema order: INT64 as its exact
// decimal digits (never through a double), timestamps as ISO 8601 with
// milliseconds, lists as arrays, structs as objects, JSON columns as the
// value they hold. Exit status 1 with the reader's message on failure.
import { load } from './readers.mjs';

const { parquetReadObjects, parquetMetadataAsync, asyncBufferFromFile } = await load('hyparquet');
const { compressors } = await load('hyparquet-compressors');

function show(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (Array.isArray(v)) return '[' + v.map(show).join(',') + ']';
  if (typeof v === 'object') {
    return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + show(x)).join(',') + '}';
  }
  return JSON.stringify(v);
}

try {
  const file = await asyncBufferFromFile(process.argv[2]);
  const metadata = await parquetMetadataAsync(file);
  const rows = await parquetReadObjects({ file, metadata, compressors });
  const out = [];
  for (const row of rows) out.push(show(row));
  process.stdout.write(out.length ? out.join('\n') + '\n' : '');
} catch (e) {
  console.error(`hyparquet: ${e.message}`);
  process.exit(1);
}

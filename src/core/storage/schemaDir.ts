import fs from 'node:fs';
import path from 'node:path';

/** Finds the `schema/` folder shipped beside the code (`dist/../schema`, or above src/core/storage/) for every backend's migrations. */
export function findSchemaDir(start = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'schema');
    if (fs.existsSync(path.join(candidate, '001_init.sql'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`Lore's schema folder was not found above ${start}`);
  }
}

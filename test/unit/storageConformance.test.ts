import path from 'node:path';
import { openStorage } from '../../src/core/storage/open';
import { storageConformance } from './storageConformance';

// The SQLite backend against the storage conformance suite (a server backend runs the same suite).
storageConformance({
  name: 'SQLite',
  open: (dir, opts) => openStorage({ dbPath: path.join(dir, 'index.db'), readonly: opts?.readonly }),
});

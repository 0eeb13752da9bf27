import path from 'node:path';
import { openStorage } from '../../src/core/storage/open';
import { memoryConformance } from './memoryConformance';
import { storageConformance } from './storageConformance';

// The SQLite backend against the storage conformance suite (a server backend runs the same suite).
const sqlite = {
  name: 'SQLite',
  open: (dir: string, opts?: { readonly?: boolean }) => openStorage({ dbPath: path.join(dir, 'index.db'), readonly: opts?.readonly }),
};
storageConformance(sqlite);
memoryConformance(sqlite);

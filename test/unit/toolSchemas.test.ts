// package.json must declare exactly the tools and chat participant the code registers, with the
// input schemas kept in schema/tools (the files are the source of truth; this test keeps them in step).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHAT_COMMANDS, PARTICIPANT_ID } from '../../src/extension/chat/format';
import { DEFAULT_K, MAX_K, SEARCH_MODES } from '../../src/core/search/input';
import { TOOL_NAMES } from '../../src/extension/tools/format';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const schemaDir = path.join(root, 'schema/tools');

interface ToolContribution {
  name: string;
  toolReferenceName?: string;
  displayName?: string;
  modelDescription?: string;
  userDescription?: string;
  canBeReferencedInPrompt?: boolean;
  tags?: string[];
  inputSchema?: Record<string, unknown>;
}

const tools: ToolContribution[] = pkg.contributes?.languageModelTools ?? [];

const SCHEMA_KEYWORDS = new Set(['type', 'properties', 'required', 'description', 'enum', 'default', 'minimum', 'maximum', 'items', 'additionalProperties']);
const JSON_TYPES = new Set(['object', 'string', 'integer', 'number', 'boolean', 'array']);

/** A structural check of the JSON Schema subset tool inputs use; returns the problems found. */
function schemaProblems(schema: unknown, where: string): string[] {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [`${where}: not an object`];
  const s = schema as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(s)) if (!SCHEMA_KEYWORDS.has(k)) problems.push(`${where}: unknown keyword "${k}"`);
  if (typeof s.type !== 'string' || !JSON_TYPES.has(s.type)) problems.push(`${where}: type "${String(s.type)}" is not a JSON type`);
  if (s.type === 'object') {
    const props = (s.properties ?? {}) as Record<string, unknown>;
    if (typeof props !== 'object' || Array.isArray(props)) problems.push(`${where}: properties is not an object`);
    for (const [name, sub] of Object.entries(props)) {
      problems.push(...schemaProblems(sub, `${where}.${name}`));
      if (typeof (sub as { description?: unknown }).description !== 'string') problems.push(`${where}.${name}: no description for the model`);
    }
    if (s.required !== undefined) {
      if (!Array.isArray(s.required)) problems.push(`${where}: required is not a list`);
      else for (const r of s.required) if (!(r in props)) problems.push(`${where}: required "${r}" is not a property`);
    }
  }
  if (s.enum !== undefined && (!Array.isArray(s.enum) || !s.enum.length)) problems.push(`${where}: enum is empty`);
  if (s.enum && s.default !== undefined && !(s.enum as unknown[]).includes(s.default)) problems.push(`${where}: default not in enum`);
  if (typeof s.minimum === 'number' && typeof s.maximum === 'number' && s.minimum > s.maximum) problems.push(`${where}: minimum > maximum`);
  return problems;
}

describe('language-model tool declarations', () => {
  it('package.json declares exactly the tools the extension registers, one schema file each', async () => {
    assert.deepEqual(tools.map((t) => t.name).sort(), Object.values(TOOL_NAMES).sort());
    const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(files, Object.values(TOOL_NAMES).map((n) => `${n}.json`).sort());
  });

  for (const name of Object.values(TOOL_NAMES)) {
    it(`${name}: inputSchema in package.json equals schema/tools/${name}.json`, async () => {
      const tool = tools.find((t) => t.name === name);
      assert.ok(tool, `${name} missing from contributes.languageModelTools`);
      const file = JSON.parse(fs.readFileSync(path.join(schemaDir, `${name}.json`), 'utf8'));
      assert.deepEqual(tool.inputSchema, file);
    });

    it(`${name}: a valid JSON Schema object with everything chat and agent mode need`, async () => {
      const tool = tools.find((t) => t.name === name)!;
      assert.deepEqual(schemaProblems(tool.inputSchema, name), []);
      assert.equal(tool.inputSchema?.type, 'object');
      assert.match(tool.name, /^[\w-]+$/);
      assert.match(tool.toolReferenceName ?? '', /^[A-Za-z][\w]*$/);
      assert.equal(tool.canBeReferencedInPrompt, true);
      for (const k of ['displayName', 'modelDescription', 'userDescription'] as const) assert.ok((tool[k] ?? '').length > 10, `${k} missing`);
      assert.ok(tool.tags?.includes('lore'));
    });
  }

  it('lore_search declares the modes and k bounds the tool and the MCP server check input against', async () => {
    const props = JSON.parse(fs.readFileSync(path.join(schemaDir, 'lore_search.json'), 'utf8')).properties;
    assert.deepEqual([...props.mode.enum].sort(), [...SEARCH_MODES].sort());
    assert.deepEqual([props.k.minimum, props.k.maximum, props.k.default], [1, MAX_K, DEFAULT_K]);
  });

  it('toolReferenceNames are unique and #loreSearch exists', async () => {
    const refs = tools.map((t) => t.toolReferenceName);
    assert.equal(new Set(refs).size, refs.length);
    assert.ok(refs.includes('loreSearch'));
  });
});

describe('chat participant declaration', () => {
  it('declares @lore with the slash commands the handler implements and a disambiguation entry', async () => {
    const parts = pkg.contributes?.chatParticipants ?? [];
    const p = parts.find((x: { id: string }) => x.id === PARTICIPANT_ID);
    assert.ok(p, 'lore.chat missing from contributes.chatParticipants');
    assert.equal(p.name, 'lore');
    assert.deepEqual(p.commands.map((c: { name: string }) => c.name), [...CHAT_COMMANDS]);
    assert.ok(p.disambiguation?.length >= 1);
    for (const d of p.disambiguation) {
      assert.ok(d.category && d.description && d.examples?.length >= 2);
    }
  });
});

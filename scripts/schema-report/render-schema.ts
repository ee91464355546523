/** Markdown for one engine's schema: a column table and lists per table, in a stable order. */
import type {
  CheckSchema,
  ColumnSchema,
  Definition,
  EngineSchema,
  ForeignKeySchema,
  KeySchema,
  TableSchema,
} from './schema-types.js';

export function renderEngine(input: {
  title: string;
  schema: EngineSchema;
  note?: string;
}): string {
  const { title, schema, note } = input;
  const parts = [`## ${title}\n`];
  if (note !== undefined) parts.push(`${note}\n`);
  parts.push(`Tables: ${schema.tables.map((table) => code(table.name)).join(', ')}.\n`);
  parts.push(...schema.tables.map(renderTable));
  if (schema.functions.length > 0) {
    parts.push('### Functions\n');
    parts.push(...schema.functions.map(renderFunction));
  }
  return parts.join('\n');
}

function renderTable(table: TableSchema): string {
  const lines = [
    `### ${code(table.name)}`,
    '',
    '| column | type | nullable | default |',
    '| --- | --- | --- | --- |',
    ...table.columns.map(renderColumn),
    '',
    `- Primary key: ${table.primaryKey === undefined ? 'none' : renderKey(table.primaryKey)}`,
    ...list('Unique constraints', table.uniqueConstraints.map(renderKey)),
    ...list('Foreign keys', table.foreignKeys.map(renderForeignKey)),
    ...list('Checks', table.checks.map(renderCheck)),
    ...list('Indexes', table.indexes.map(renderDefinition)),
    ...list('Triggers', table.triggers.map(renderDefinition)),
  ];
  return `${lines.join('\n')}\n`;
}

function renderColumn(column: ColumnSchema): string {
  const cells = [
    code(column.name),
    code(column.type),
    column.nullable ? 'yes' : 'no',
    column.defaultValue === undefined ? '' : code(column.defaultValue),
  ];
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}

function renderKey(key: KeySchema): string {
  const columns = `(${key.columns.map(code).join(', ')})`;
  return key.name === undefined ? columns : `${code(key.name)} ${columns}`;
}

function renderForeignKey(key: ForeignKeySchema): string {
  const target = `${code(key.table)} (${key.references.map(code).join(', ')})`;
  const actions = key.actions.length === 0 ? '' : `, ${key.actions.join(', ')}`;
  return `(${key.columns.map(code).join(', ')}) → ${target}${actions}`;
}

function renderCheck(check: CheckSchema): string {
  return check.name === undefined ? code(check.sql) : `${code(check.name)}: ${code(check.sql)}`;
}

function renderDefinition(definition: Definition): string {
  return `${code(definition.name)}: ${code(definition.sql)}`;
}

function renderFunction(definition: Definition): string {
  return `#### ${code(definition.name)}\n\n\`\`\`sql\n${definition.sql.trim()}\n\`\`\`\n`;
}

/** One bullet with its items nested, or "none"; nesting even one item keeps diffs line-sized. */
function list(label: string, items: string[]): string[] {
  if (items.length === 0) return [`- ${label}: none`];
  return [`- ${label}:`, ...items.map((item) => `  - ${item}`)];
}

/** An inline code span of `text` on one line (SQL whitespace collapsed). */
function code(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.includes('`') ? `\`\` ${flat} \`\`` : `\`${flat}\``;
}

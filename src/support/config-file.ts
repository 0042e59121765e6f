import { readFile } from 'node:fs/promises';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse } from 'yaml';

/**
 * Reads a YAML (or JSON) file holding a list under `key` (HEALTH_SERVICES_FILE's `services:`,
 * ALERT_RULES_FILE's `rules:`) and checks each entry against `schema`. Any mistake stops the start with the
 * variable, the file, the entry and the field named: a Git-managed setup that silently drops an entry is
 * worse than one that does not start.
 */
export async function loadListFile(
  variable: string,
  file: string,
  key: string,
  schema: TSchema,
  /** Fields outside the schema the file may carry (a rule's stable `id`), as strings. */
  extraStrings: readonly string[] = [],
): Promise<Record<string, unknown>[]> {
  const fail = (where: string, why: string): Error => new Error(`${variable} ${file}: ${where}${why}`);
  let document: unknown;
  try {
    document = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw fail('', error instanceof Error ? error.message : String(error));
  }
  const list = Array.isArray(document) ? document : (document as Record<string, unknown> | null)?.[key];
  if (!Array.isArray(list)) throw fail('', `expected a "${key}:" list`);
  const check = TypeCompiler.Compile(schema);
  return list.map((entry: unknown, index) => {
    const where = `${key}[${String(index)}]`;
    const fields = { ...((entry ?? {}) as Record<string, unknown>) };
    for (const name of extraStrings) {
      if (fields[name] !== undefined && typeof fields[name] !== 'string')
        throw fail(where, `.${name}: must be a string`);
    }
    const checked = Object.fromEntries(
      Object.entries(fields).filter(([name]) => !extraStrings.includes(name)),
    );
    const first = check.Errors(checked).First();
    if (first !== undefined) throw fail(where, `${first.path.replaceAll('/', '.')}: ${first.message}`);
    return fields;
  });
}

import { readFile } from 'node:fs/promises';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse } from 'yaml';
import { ServiceInputSchema, type ServiceInput } from './service-schema.js';

const check = TypeCompiler.Compile(ServiceInputSchema);

/**
 * Reads HEALTH_SERVICES_FILE (YAML or JSON): `services:` followed by a list of the same objects
 * POST /api/health/services takes. Any mistake stops the start with the file, the entry and the field
 * named, because a Git-managed setup that silently drops a service is worse than one that does not start.
 */
export async function loadServicesFile(file: string): Promise<ServiceInput[]> {
  let document: unknown;
  try {
    document = parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `HEALTH_SERVICES_FILE ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const list = Array.isArray(document) ? document : (document as { services?: unknown } | null)?.services;
  if (!Array.isArray(list)) throw new Error(`HEALTH_SERVICES_FILE ${file}: expected a "services:" list`);
  const names = new Set<string>();
  return list.map((entry: unknown, index) => {
    const first = check.Errors(entry).First();
    if (first !== undefined)
      throw new Error(
        `HEALTH_SERVICES_FILE ${file}: services[${String(index)}]${first.path.replaceAll('/', '.')}: ${first.message}`,
      );
    const service = entry as ServiceInput;
    if (names.has(service.name))
      throw new Error(
        `HEALTH_SERVICES_FILE ${file}: services[${String(index)}]: "${service.name}" is listed twice`,
      );
    names.add(service.name);
    return service;
  });
}

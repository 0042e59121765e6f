import { loadListFile } from '../support/config-file.js';
import { ServiceInputSchema, type ServiceInput } from './service-schema.js';

/**
 * Reads HEALTH_SERVICES_FILE: `services:` followed by the objects POST /api/health/services takes; a name
 * listed twice stops the start too.
 */
export async function loadServicesFile(file: string): Promise<ServiceInput[]> {
  const services = (await loadListFile(
    'HEALTH_SERVICES_FILE',
    file,
    'services',
    ServiceInputSchema,
  )) as ServiceInput[];
  const names = new Set<string>();
  services.forEach((service, index) => {
    if (names.has(service.name))
      throw new Error(
        `HEALTH_SERVICES_FILE ${file}: services[${String(index)}]: "${service.name}" is listed twice`,
      );
    names.add(service.name);
  });
  return services;
}

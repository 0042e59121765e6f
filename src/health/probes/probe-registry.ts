import type { ProbeType } from '../service-schema.js';
import { httpProbe } from './http-probe.js';
import type { Probe } from './probe.js';
import { tcpProbe } from './tcp-probe.js';

/** One entry per probe type; the compiler rejects a type without its probe. */
export const PROBES: Readonly<Record<ProbeType, Probe>> = {
  http: httpProbe,
  tcp: tcpProbe,
};

import type { ProbeType } from '../service-schema.js';
import { httpProbe } from './http-probe.js';
import type { Probe } from './probe.js';
import { tcpProbe } from './tcp-probe.js';
import { dnsProbe } from './dns-probe.js';
import { postgresProbe } from './postgres-probe.js';
import { redisProbe } from './redis-probe.js';
import { mysqlProbe } from './mysql-probe.js';
import { pushProbe } from './push-probe.js';
import { pingProbe } from './ping-probe.js';
import { grpcProbe } from './grpc-probe.js';
import { tlsProbe } from './tls-probe.js';

/** One entry per probe type; the compiler rejects a type without its probe. */
export const PROBES: Readonly<Record<ProbeType, Probe>> = {
  http: httpProbe,
  tcp: tcpProbe,
  dns: dnsProbe,
  postgres: postgresProbe,
  redis: redisProbe,
  mysql: mysqlProbe,
  push: pushProbe,
  ping: pingProbe,
  grpc: grpcProbe,
  tls: tlsProbe,
};

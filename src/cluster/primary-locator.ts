import type { Pool } from 'pg';

/**
 * The primary's address: the live holder of the `primary` lease joined to its membership row. A holder is
 * `<replica id>/<8 characters>` (create-cluster.ts), so the replica id is the holder less its last 9.
 */
const PRIMARY_ADDRESS = `
SELECT m.address FROM cluster_leases l
JOIN cluster_members m ON m.replica_id = left(l.holder, length(l.holder) - 9)
WHERE l.name = $1 AND l.expires_at > clock_timestamp() AND m.expires_at > clock_timestamp()`;

/** Finds the primary's address, cached briefly (forwarded writes would otherwise cost a query each). */
export class PrimaryLocator {
  private cached: { address: string | undefined; until: number } | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly lease: string,
    private readonly cacheMs: number,
  ) {}

  async address(): Promise<string | undefined> {
    const now = Date.now();
    if (this.cached !== undefined && now < this.cached.until) return this.cached.address;
    const { rows } = await this.pool.query<{ address: string }>(PRIMARY_ADDRESS, [this.lease]);
    const address = rows[0]?.address;
    // Nobody (an election): ask again soon rather than keep the answer.
    this.cached = { address, until: now + (address === undefined ? 100 : this.cacheMs) };
    return address;
  }

  /** Forgets the cached answer (the primary did not answer, or answered that it is not one). */
  forget(): void {
    this.cached = undefined;
  }
}

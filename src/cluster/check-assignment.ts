import { rendezvousOwner } from './rendezvous.js';

/**
 * Which health-checked services this replica checks: those whose rendezvous owner among the live members
 * is this replica. Answers are cached per member list (asked at every due time of every service).
 * Before the first member list (or with none) every service is this replica's: checked twice is better
 * than not at all.
 */
export class CheckAssignment {
  private readonly cache = new Map<string, boolean>();
  private members: readonly string[] | undefined;

  constructor(
    private readonly self: string,
    private readonly currentMembers: () => readonly string[] | undefined,
  ) {}

  readonly isAssigned = (service: string): boolean => {
    const members = this.currentMembers();
    if (members === undefined || members.length === 0) return true;
    if (members !== this.members) {
      this.members = members;
      this.cache.clear();
    }
    let mine = this.cache.get(service);
    if (mine === undefined) {
      // This replica counts itself even before its own heartbeat shows in the list.
      const candidates = members.includes(this.self) ? members : [...members, this.self];
      mine = rendezvousOwner(service, candidates) === this.self;
      this.cache.set(service, mine);
    }
    return mine;
  };
}

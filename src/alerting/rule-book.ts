import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import type { ChannelContext } from '../notify/channels/channel.js';
import { CHANNELS } from '../notify/channels/channel-registry.js';
import type { AlertStore } from '../storage/ports.js';
import type { ChannelBook } from './channel-book.js';
import { PREDEFINED_RULES } from './predefined-rules.js';
import { resolveRule } from './resolve-rule.js';
import type { Rule } from './rule.js';
import type { RuleInput } from './rule-schema.js';

const SEEDED = 'predefined_rules_installed';

/**
 * The alert rules: stored ones (API), the rules file (read-only here) and the seed's six predefined
 * rules, installed once on the first start (deleting one is for good; disabling is `enabled: false`).
 */
export class RuleBook {
  private readonly rules = new Map<string, Rule>();

  constructor(
    private readonly store: AlertStore,
    private readonly channels: ChannelContext,
    private readonly named: ChannelBook,
    private readonly log: Logger,
    private readonly websocketEnabled = true,
    private readonly clock: () => number = Date.now,
  ) {}

  async load(fileRules: readonly (RuleInput & { id?: string })[]): Promise<void> {
    const now = this.clock();
    if ((await this.store.getMeta(SEEDED)) === undefined) {
      // Listed in the seed's order (rules list by creation time). One transaction with the marker, so
      // replicas starting at once install them once, and a rule deleted later never comes back.
      await this.store.seedRules(
        SEEDED,
        String(now),
        PREDEFINED_RULES.map(({ id, ...input }, i) => ({
          id,
          input: JSON.stringify(input),
          origin: 'builtin' as const,
          createdAt: now + i,
          updatedAt: now,
        })),
      );
    }
    const fileIds = new Set(fileRules.map((r, i) => r.id ?? `file-${String(i)}`));
    for (const stored of await this.store.loadRules()) {
      if (stored.origin === 'file' && !fileIds.has(stored.id)) {
        await this.store.deleteRule(stored.id);
        continue;
      }
      try {
        this.rules.set(
          stored.id,
          resolveRule(stored.id, JSON.parse(stored.input) as RuleInput, stored.origin),
        );
      } catch (error) {
        this.log.error({ err: error, rule: stored.id }, 'stored alert rule skipped');
      }
    }
    for (const [i, { id, ...input }] of fileRules.entries()) {
      const ruleId = id ?? `file-${String(i)}`;
      const rule = this.check(resolveRule(ruleId, input, 'file'));
      await this.store.saveRule({
        id: ruleId,
        input: JSON.stringify(input),
        origin: 'file',
        createdAt: now,
        updatedAt: now,
      });
      this.rules.set(ruleId, rule);
    }
  }

  /** Another replica changed the stored rules: read them all again (the store is the source of truth). */
  async reload(): Promise<void> {
    const fresh = new Map<string, Rule>();
    for (const stored of await this.store.loadRules()) {
      try {
        fresh.set(stored.id, resolveRule(stored.id, JSON.parse(stored.input) as RuleInput, stored.origin));
      } catch (error) {
        this.log.error({ err: error, rule: stored.id }, 'reloaded alert rule skipped');
      }
    }
    // Prometheus rule groups' alerting rules are not in the rule store (RuleGroups holds them): keep them.
    for (const [id, rule] of this.rules) if (rule.origin === 'prometheus') fresh.set(id, rule);
    this.rules.clear();
    for (const [id, rule] of fresh) this.rules.set(id, rule);
  }

  /**
   * The alerting rules of Prometheus rule groups (ALERT_RULES_FILE, PUT /api/alerts/rule-groups): held
   * here so alerts, silences and notifications treat them like any rule; stored by RuleGroups, not here.
   */
  replacePrometheusRules(rules: readonly Rule[], file?: string): void {
    for (const [id, rule] of this.rules)
      if (
        rule.origin === 'prometheus' &&
        (file === undefined || (rule.spec.kind === 'promql' && rule.spec.file === file))
      )
        this.rules.delete(id);
    for (const rule of rules) this.rules.set(rule.id, rule);
  }

  list(): Rule[] {
    return [...this.rules.values()];
  }

  enabled(): Rule[] {
    return this.list().filter((r) => r.enabled);
  }

  find(id: string): Rule | undefined {
    return this.rules.get(id);
  }

  get(id: string): Rule {
    const rule = this.rules.get(id);
    if (rule === undefined) throw new DomainError('rule_not_found', 404, `no alert rule with id ${id}`, 'id');
    return rule;
  }

  async create(input: RuleInput): Promise<Rule> {
    const id = randomUUID();
    return this.save(this.check(resolveRule(id, input, 'api')), this.clock());
  }

  async replace(id: string, input: RuleInput): Promise<Rule> {
    const existing = this.editable(id);
    return this.save(this.check(resolveRule(id, input, existing.origin)), this.clock());
  }

  async remove(id: string): Promise<void> {
    this.editable(id);
    this.rules.delete(id);
    await this.store.deleteRule(id);
  }

  private editable(id: string): Rule {
    const rule = this.get(id);
    if (rule.origin === 'prometheus')
      throw new DomainError(
        'rule_read_only',
        409,
        `rule ${id} belongs to a Prometheus rule group; change the group (PUT /api/alerts/rule-groups or ALERT_RULES_FILE)`,
        'id',
      );
    if (rule.origin === 'file')
      throw new DomainError(
        'rule_read_only',
        409,
        `rule ${id} comes from the rules file (ALERT_RULES_FILE); change it there`,
        'id',
      );
    return rule;
  }

  private async save(rule: Rule, now: number): Promise<Rule> {
    // Prometheus rules never come here (editable() refuses them); RuleGroups stores their groups.
    if (rule.origin === 'prometheus') throw new Error('a Prometheus rule is saved with its group');
    // The store keeps the first created_at when the id exists.
    await this.store.saveRule({
      id: rule.id,
      input: JSON.stringify(rule.input),
      origin: rule.origin,
      createdAt: now,
      updatedAt: now,
    });
    this.rules.set(rule.id, rule);
    return rule;
  }

  /** Rules that notify the named channel (it cannot be deleted while they do). */
  usersOf(channel: string): string[] {
    return this.list()
      .filter((rule) => rule.channels.some((ref) => 'channel' in ref && ref.channel === channel))
      .map((rule) => rule.id);
  }

  /** Channels a rule names must be deliverable: a known type with a usable destination, or a known name. */
  private check(rule: Rule): Rule {
    rule.channels.forEach((ref, i) => {
      const field = `notificationChannels[${String(i)}]`;
      if ('channel' in ref) {
        if (this.named.find(ref.channel) === undefined)
          throw new DomainError(
            'invalid_rule',
            422,
            `no notification channel named "${ref.channel}" (see /api/alerts/channels)`,
            `${field}.channel`,
          );
        return;
      }
      // Every alert change is pushed to connected socket.io clients as `alert`; naming the channel (as the
      // seed does) asks for nothing more, so it is valid whenever realtime is on.
      if (ref.type === 'websocket') {
        if (!this.websocketEnabled)
          throw new DomainError(
            'invalid_rule',
            422,
            'the websocket channel needs WEBSOCKET_ENABLED=true',
            `${field}.type`,
          );
        return;
      }
      const target = { type: ref.type, destination: ref.destination };
      const channel = CHANNELS[ref.type];
      const problem = channel.problem(target, this.channels);
      if (problem !== undefined) throw new DomainError('invalid_rule', 422, problem, `${field}.destination`);
      // Saved all the same (the seed's example names Slack on a machine that may not have it yet).
      const missing = channel.unconfigured?.(target, this.channels);
      if (missing !== undefined) rule.warnings.push(`${field}: ${missing}`);
    });
    return rule;
  }
}

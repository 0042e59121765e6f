import { DomainError } from '../domain/errors.js';
import { CHANNELS, isChannelType } from '../notify/channels/channel-registry.js';
import type { ChannelContext, ChannelTarget } from '../notify/channels/channel.js';
import { settingsProblem } from '../notify/channels/check-target.js';
import type { AlertStore } from '../storage/ports.js';

/** A channel configured once and referenced by name from rules: `{ "channel": "ops-webhook" }`. */
export interface NamedChannel extends ChannelTarget {
  name: string;
}

/** Named notification channels (/api/alerts/channels), checked like inline ones when saved. */
export class ChannelBook {
  private readonly channels = new Map<string, NamedChannel>();

  constructor(
    private readonly store: AlertStore,
    private readonly context: ChannelContext,
  ) {}

  /** Reads the stored channels; again when another replica changed them (deleted ones go). */
  async load(): Promise<void> {
    const rows = await this.store.loadChannels();
    this.channels.clear();
    for (const { name, data } of rows) this.channels.set(name, JSON.parse(data) as NamedChannel);
  }

  list(): NamedChannel[] {
    return [...this.channels.values()];
  }

  find(name: string): NamedChannel | undefined {
    return this.channels.get(name);
  }

  get(name: string): NamedChannel {
    const channel = this.channels.get(name);
    if (channel === undefined)
      throw new DomainError('channel_not_found', 404, `no notification channel named "${name}"`, 'name');
    return channel;
  }

  async save(channel: {
    name: string;
    type: string;
    destination?: string;
    secret?: string;
    settings?: Readonly<Record<string, string>>;
  }): Promise<NamedChannel> {
    if (!isChannelType(channel.type))
      throw new DomainError('invalid_channel', 422, `${channel.type} channels are not available yet`, 'type');
    const named: NamedChannel = {
      name: channel.name,
      type: channel.type,
      destination: channel.destination,
      ...(channel.secret === undefined ? {} : { secret: channel.secret }),
      ...(channel.settings === undefined || Object.keys(channel.settings).length === 0
        ? {}
        : { settings: { ...channel.settings } }),
    };
    const invalid = settingsProblem(CHANNELS[named.type], named);
    if (invalid !== undefined) throw new DomainError('invalid_channel', 422, invalid.reason, invalid.field);
    const problem = CHANNELS[named.type].problem(named, this.context);
    if (problem !== undefined) throw new DomainError('invalid_channel', 422, problem, 'destination');
    await this.store.saveChannel(named.name, JSON.stringify(named), Date.now());
    this.channels.set(named.name, named);
    return named;
  }

  /** Deletes a channel no rule uses (`usedBy` lists the rules that name it). */
  async remove(name: string, usedBy: readonly string[]): Promise<void> {
    this.get(name);
    if (usedBy.length > 0)
      throw new DomainError(
        'channel_in_use',
        409,
        `rules still notify "${name}": ${usedBy.join(', ')}`,
        'name',
      );
    await this.store.deleteChannel(name);
    this.channels.delete(name);
  }
}

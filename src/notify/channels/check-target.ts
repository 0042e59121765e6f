import type { Channel, ChannelTarget } from './channel.js';

const HEADER_SETTING = /^header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Why a named channel's secret or settings do not fit its type, with the field to blame, or undefined:
 * an unknown setting, a missing required one, a value outside its choices, a missing secret. The type's
 * own `problem` then checks the destination and what depends on several fields.
 */
export function settingsProblem(
  channel: Channel,
  target: ChannelTarget,
): { field: string; reason: string } | undefined {
  const specs = channel.settings ?? {};
  const given = target.settings ?? {};
  for (const [name, value] of Object.entries(given)) {
    // The template channel takes any number of headers as `header.<Name>`.
    const spec = Object.hasOwn(specs, name)
      ? specs[name]
      : HEADER_SETTING.test(name) && Object.hasOwn(specs, 'header.*')
        ? specs['header.*']
        : undefined;
    if (spec === undefined) {
      const known = Object.keys(specs);
      return {
        field: `settings.${name}`,
        reason: `${target.type} channels take ${known.length === 0 ? 'no settings' : `the settings ${known.join(', ')}`}`,
      };
    }
    if (spec.allowed !== undefined && !spec.allowed.includes(value))
      return { field: `settings.${name}`, reason: `must be one of ${spec.allowed.join(', ')}` };
  }
  for (const [name, spec] of Object.entries(specs))
    if (spec.required === true && !Object.hasOwn(given, name))
      return {
        field: `settings.${name}`,
        reason: `${target.type} channels need ${name}: ${spec.description}`,
      };
  if (channel.secret?.required === true && target.secret === undefined)
    return {
      field: 'secret',
      reason: `${target.type} channels need a secret: ${channel.secret.description}`,
    };
  return undefined;
}

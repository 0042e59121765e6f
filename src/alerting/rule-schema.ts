import { Type, type Static } from '@sinclair/typebox';

const Duration = (description: string) =>
  Type.String({ maxLength: 32, description: `${description} (15s, 5m, 1h30m).` });

/** A notification target: inline as in the seed ({type, destination}) or a configured channel by name. */
export const ChannelRefSchema = Type.Union([
  Type.Object(
    {
      type: Type.Union([
        Type.Literal('webhook'),
        Type.Literal('slack'),
        Type.Literal('discord'),
        Type.Literal('email'),
        Type.Literal('websocket'),
        Type.Literal('alertmanager'),
      ]),
      destination: Type.Optional(
        Type.String({
          maxLength: 2048,
          description:
            'URL (webhook, discord, alertmanager), #channel or webhook URL (slack), address (email).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      channel: Type.String({
        maxLength: 128,
        description: 'A channel configured under /api/alerts/channels.',
      }),
    },
    { additionalProperties: false },
  ),
]);
export type ChannelRef = Static<typeof ChannelRefSchema>;

const Selector = {
  metricName: Type.String({ minLength: 1, maxLength: 256, description: 'The metric the rule watches.' }),
  matchers: Type.Optional(
    Type.Array(Type.String({ maxLength: 1024 }), {
      maxItems: 20,
      description: 'PromQL-style label matchers: service="booking", status_code=~"5..".',
    }),
  ),
};

/**
 * An alert rule as clients write it. The seed's body (`name`, `metricName`, `condition`, `threshold`,
 * `severity`, `notificationChannels`) is a complete rule: the latest value of each series compared with
 * the threshold. The rest refines it the way Prometheus rules do.
 */
export const RuleInputSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Optional(
      Type.Union([Type.Literal('metric'), Type.Literal('health'), Type.Literal('external')], {
        description:
          "metric (default): a threshold on a metric; health: a watched service reaching `healthState`; external: alerts received from Alertmanager (POST /api/alerts/alertmanager) take this rule's channels.",
      }),
    ),
    ...Selector,
    metricName: Type.Optional(Selector.metricName),
    condition: Type.Optional(
      Type.Union(
        [
          Type.Literal('>'),
          Type.Literal('>='),
          Type.Literal('<'),
          Type.Literal('<='),
          Type.Literal('=='),
          Type.Literal('!='),
        ],
        { description: 'How the value compares with the threshold to fire (default >).' },
      ),
    ),
    threshold: Type.Optional(Type.Number()),
    aggregation: Type.Optional(
      Type.Object(
        {
          fn: Type.String({
            maxLength: 16,
            description: 'last, avg, min, max, sum, count, rate, increase, or p50…p99.',
          }),
          window: Type.Optional(Duration('Window the function runs over (default 5m)')),
          by: Type.Optional(
            Type.Array(Type.String({ maxLength: 128 }), {
              maxItems: 10,
              description: 'Group by these labels; one alert per group.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    divideBy: Type.Optional(
      Type.Object(
        { ...Selector, metricName: Type.Optional(Selector.metricName) },
        {
          additionalProperties: false,
          description: 'A ratio: the value divided by this selection (same function, window and groups).',
        },
      ),
    ),
    noData: Type.Optional(
      Type.Union([Type.Literal('ok'), Type.Literal('alerting')], {
        description:
          'A series (or group, or the whole metric) with no sample in the window: ok (default) or alerting (fire on absence, like absent_over_time).',
      }),
    ),
    healthState: Type.Optional(Type.Union([Type.Literal('down'), Type.Literal('degraded')])),
    services: Type.Optional(
      Type.Array(Type.String({ maxLength: 128 }), {
        maxItems: 1000,
        description: 'health rules: these services only (default all).',
      }),
    ),
    for: Type.Optional(Duration('How long the condition must hold before firing (default 0)')),
    keepFiringFor: Type.Optional(Duration('How long to keep firing after the condition clears (default 0)')),
    repeatInterval: Type.Optional(Duration('Notify again while firing and unacknowledged (default 4h)')),
    severity: Type.Optional(
      Type.Union([
        Type.Literal('critical'),
        Type.Literal('high'),
        Type.Literal('warning'),
        Type.Literal('medium'),
        Type.Literal('low'),
        Type.Literal('info'),
      ]),
    ),
    labels: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 1024 }), { maxProperties: 30 }),
    ),
    annotations: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 4096 }), {
        maxProperties: 30,
        description:
          'summary, description…: text with {{value}}, {{threshold}}, {{labels.name}}, {{rule}} placeholders (no code).',
      }),
    ),
    notificationChannels: Type.Optional(Type.Array(ChannelRefSchema, { maxItems: 20 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, $id: 'AlertRuleInput' },
);
export type RuleInput = Static<typeof RuleInputSchema>;

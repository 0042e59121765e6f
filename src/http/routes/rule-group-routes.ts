import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Alerting } from '../../alerting/create-alerting.js';
import type { PromRuleGroup } from '../../alerting/prom-rules/rule-file.js';
import { errorResponses } from '../problem.js';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

const GroupSummary = Type.Object({
  name: Type.String(),
  file: Type.String(),
  interval: Type.Number({ description: 'Seconds between evaluations.' }),
  limit: Type.Integer(),
  rules: Type.Array(Type.Object({ type: Type.String(), name: Type.String(), expr: Type.String() })),
});
const GroupsAnswer = Type.Object({
  file: Type.String({ description: 'The rule file last put, as put.' }),
  groups: Type.Array(GroupSummary),
});

const EXAMPLE = {
  groups: [
    {
      name: 'custom.rules',
      rules: [
        {
          alert: 'CustomHighLatency',
          expr: 'histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 2',
          for: '5m',
          labels: { severity: 'warning' },
          annotations: { summary: 'High latency detected' },
        },
      ],
    },
  ],
};

const summary = (group: PromRuleGroup) => ({
  name: group.name,
  file: group.file,
  interval: group.intervalMs / 1000,
  limit: group.limit,
  rules: group.rules.map((r) => ({
    type: r.kind === 'alert' ? 'alerting' : 'recording',
    name: r.name,
    expr: r.expr,
  })),
});

/**
 * Prometheus rule files through the API: PUT a whole file (YAML or JSON), checked like `promtool check
 * rules` (a 422 names the group, rule and field); it replaces the groups put before. ALERT_RULES_FILE's
 * groups are not touched here.
 */
export function ruleGroupRoutes(alerting: Alerting): FastifyPluginAsyncTypebox {
  const { ruleGroups } = alerting;
  const apiGroups = () =>
    ruleGroups
      .list()
      .filter((s) => s.group.file === 'api')
      .map((s) => summary(s.group));
  return (app) => {
    // JSON too is taken as text: the rule file parser reads JSON as YAML, after checking how deep it nests
    // (a few thousand nested brackets would overflow the stack in any recursive parser or stringifier).
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      ['application/json', ...YAML_TYPES],
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, body);
      },
    );
    app.get(
      '/api/alerts/rule-groups',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Prometheus rule groups put through the API (the file as put, and its groups)',
          response: { 200: GroupsAnswer, ...errorResponses() },
        },
      },
      () => ({ file: ruleGroups.apiFile(), groups: apiGroups() }),
    );
    app.put(
      '/api/alerts/rule-groups',
      {
        schema: {
          tags: ['alerts'],
          summary:
            "Replace the API's Prometheus rule groups with a rule file (YAML as application/yaml, or JSON): groups → rules with alert/record, expr, for, keep_firing_for, labels, annotations",
          consumes: ['application/json', ...YAML_TYPES],
          body: Type.Unsafe<unknown>({
            description: 'A Prometheus rule file: `{groups: [{name, interval?, rules: [...]}]}`.',
            examples: [EXAMPLE],
          }),
          response: { 200: GroupsAnswer, ...errorResponses(413, 415, 422) },
        },
      },
      async (request) => {
        await ruleGroups.put(String(request.body));
        return { file: ruleGroups.apiFile(), groups: apiGroups() };
      },
    );
    return Promise.resolve();
  };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { resolveRule } from '../../src/alerting/resolve-rule.js';
import { RuleInputSchema } from '../../src/alerting/rule-schema.js';
import { renderTemplate } from '../../src/alerting/templates.js';
import { DomainError } from '../../src/domain/errors.js';
import { checkLabels, checkMetricName } from '../../src/domain/names.js';
import { resolvePath } from '../../src/health/probes/body-checks.js';
import { checkSample, firstSchemaError } from '../../src/ingest/sample-schema.js';
import { compileMatchers, parseMatcher } from '../../src/query/matchers.js';

const RUNS = { numRuns: 2000 };
const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LIMITS = { maxLabels: 30, maxNameLength: 1024, maxValueLength: 2048 };

/** Strings that look like what a hostile client sends: any code point, long, and the usual suspects. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '__name__',
    'le',
    '',
    ' ',
    '\u0000',
    '\ud800',
    '9abc',
  ),
  fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,250}$/),
);

describe('property: ingest validators', () => {
  it('accept exactly the Prometheus metric names, and never throw', () => {
    fc.assert(
      fc.property(nasty, (name) => {
        const rejection = checkMetricName(name);
        const valid =
          name.length > 0 &&
          name.length <= 200 &&
          PROMETHEUS_METRIC_NAME.test(name) &&
          !name.startsWith('__');
        assert.equal(rejection === undefined, valid, JSON.stringify(name));
      }),
      RUNS,
    );
  });

  it('check label sets without throwing, prototype keys included, and reject what Prometheus would', () => {
    fc.assert(
      fc.property(
        fc.dictionary(nasty, fc.oneof(nasty, fc.integer(), fc.constant(null)), { maxKeys: 40 }),
        (labels) => {
          const rejection = checkLabels(labels, LIMITS);
          if (rejection !== undefined) return;
          for (const [key, value] of Object.entries(labels)) {
            assert.match(key, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
            assert.equal(typeof value, 'string');
          }
          assert.equal(({} as Record<string, unknown>).polluted, undefined);
        },
      ),
      RUNS,
    );
  });

  it('the sample schema answers every JSON value with a verdict and, when refused, a field', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        if (checkSample.Check(value)) return;
        const error = firstSchemaError(value);
        assert.ok(error !== undefined);
        assert.equal(typeof error.reason, 'string');
      }),
      RUNS,
    );
  });
});

describe('property: rule and template parsers', () => {
  it('a schema-valid rule resolves or is refused with a DomainError naming a field, never anything else', () => {
    const ruleLike = fc.record(
      {
        name: fc.string({ minLength: 1, maxLength: 50 }),
        metricName: fc.oneof(nasty, fc.constant('http_requests_total')),
        condition: fc.constantFrom('>', '<', '>=', '<=', '==', '!=', '=>', 'gt'),
        threshold: fc.oneof(fc.double(), fc.integer()),
        severity: fc.constantFrom('low', 'medium', 'high', 'critical', 'urgent'),
        for: fc.oneof(fc.constantFrom('5m', '0s', '1h30m', '-1m', 'forever'), fc.string({ maxLength: 10 })),
        matchers: fc.array(fc.oneof(nasty, fc.constant('status_code=~"5.."'), fc.constant('x=~"(a+)+$"')), {
          maxLength: 3,
        }),
        aggregation: fc.record({
          fn: fc.oneof(nasty, fc.constantFrom('rate', 'avg', 'p95', 'p999')),
          window: fc.string({ maxLength: 8 }),
        }),
      },
      { requiredKeys: ['name'] },
    );
    let resolved = 0;
    fc.assert(
      fc.property(ruleLike, (input) => {
        if (!Value.Check(RuleInputSchema, input)) return;
        try {
          resolveRule('r', input, 'api');
          resolved++;
        } catch (error) {
          assert.ok(error instanceof DomainError, String(error));
          assert.ok(error.status === 422 && error.field !== undefined, error.message);
        }
      }),
      RUNS,
    );
    assert.ok(resolved > 0, 'some generated rules are valid');
  });

  it('templates fill the known placeholders only and never evaluate anything', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.string({ maxLength: 20 })),
        (template, labels) => {
          const out = renderTemplate(template, { value: 1.5, threshold: 2, rule: 'R', labels });
          assert.equal(typeof out, 'string');
          assert.ok(
            !/\{\{\s*(value|threshold|rule)\s*\}\}/.test(out) ||
              /\{\{\s*(value|threshold|rule)\s*\}\}/.test(template),
          );
        },
      ),
      RUNS,
    );
    assert.equal(
      renderTemplate('{{ constructor.constructor("return process")() }} {{labels.__proto__}}', {
        value: null,
        threshold: 1,
        rule: 'R',
        labels: {},
      }),
      '{{ constructor.constructor("return process")() }} ',
    );
  });
});

describe('property: matchers and JSON paths cannot hang the event loop', () => {
  it('any matcher text parses or is refused with a DomainError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (raw) => {
        try {
          compileMatchers([parseMatcher(raw)]);
        } catch (error) {
          assert.ok(error instanceof DomainError, String(error));
        }
      }),
      RUNS,
    );
  });

  it('matchers on __proto__ or constructor find no label, instead of Object.prototype', () => {
    for (const raw of ['__proto__=~".+"', 'constructor=~".+"', 'constructor!=""', 'toString=~".*native.*"'])
      assert.equal(compileMatchers([parseMatcher(raw)])({ service: 'booking' }), false, raw);
  });

  it('catastrophic-backtracking patterns run in linear time (RE2 semantics, as Prometheus)', () => {
    const evil = ['(a+)+$', '(a|aa)+$', '(a|a?)+$', '(.*a){20}$', '((a+)+)+b', '(x+x+)+y', '(\\w+\\s?)+$'];
    const input = `${'a'.repeat(50_000)}!`;
    for (const pattern of evil) {
      const matches = compileMatchers([parseMatcher(`l=~"${pattern}"`)]);
      const started = process.hrtime.bigint();
      matches({ l: input });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(ms < 1000, `${pattern}: ${ms.toFixed(0)} ms`);
    }
  });

  it('JSON paths resolve or report absence for any path and document, without eval', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ maxLength: 60 }), (document, tail) => {
        const result = resolvePath(document, `$${tail}`);
        assert.equal(typeof result.exists, 'boolean');
      }),
      RUNS,
    );
  });
});

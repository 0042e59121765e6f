import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Call {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/**
 * A loopback stand-in for the providers' APIs: records each request and answers with the status and body
 * the real API documents for a success (Telegram `{"ok":true}`, PagerDuty 202 `{"status":"success"}`…),
 * or a failure queued with `failNext`.
 */
class ProviderStub {
  readonly calls: Call[] = [];
  /** Paths of the requests answered with a queued failure. */
  readonly failedPaths: string[] = [];
  private server!: Server;
  private failures: { prefix: string; status: number; body: string; headers: Record<string, string> }[] = [];
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        const at = this.failures.findIndex((f) => (req.url ?? '').startsWith(f.prefix));
        const failure = at === -1 ? undefined : this.failures.splice(at, 1)[0];
        if (failure !== undefined) {
          this.failedPaths.push(req.url ?? '');
          res
            .writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers })
            .end(failure.body);
          return;
        }
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          body = { text: raw };
        }
        this.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body });
        const [status, answer] = success(req.url ?? '');
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  /** Answers the next request whose path starts with `prefix` with this failure. */
  failNext(prefix: string, status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.failures.push({ prefix, status, body: JSON.stringify(body), headers });
  }

  async waitFor(predicate: (call: Call) => boolean, count = 1, timeoutMs = 10_000): Promise<Call[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.filter(predicate);
      if (found.length >= count) return found;
      if (Date.now() > deadline)
        throw new Error(
          `waited for ${String(count)} calls, got ${JSON.stringify(this.calls.map((c) => c.path))}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

/** The documented success answer of each API, by path. */
function success(path: string): [number, unknown] {
  if (path.startsWith('/telegram/')) return [200, { ok: true, result: { message_id: 1 } }];
  if (path.startsWith('/pagerduty/')) return [202, { status: 'success', message: 'Event processed' }];
  if (path.startsWith('/opsgenie/')) return [202, { result: 'Request will be processed', requestId: 'r1' }];
  if (path.startsWith('/pushover/')) return [200, { status: 1, request: 'p1' }];
  if (path.startsWith('/gotify/')) return [200, { id: 1, appid: 1, message: 'm', title: 't', priority: 8 }];
  if (path.startsWith('/matrix/')) return [200, { event_id: '$e1' }];
  if (path.startsWith('/teams')) return [202, {}];
  if (path.startsWith('/ntfy/')) return [200, { id: 'n1', event: 'message' }];
  if (path.startsWith('/chat'))
    return [200, { name: 'spaces/s/messages/m', thread: { name: 'spaces/s/threads/t' } }];
  return [200, { ok: true }];
}

describe('notification channels against stand-ins of their APIs', () => {
  let t: TestApp;
  const stub = new ProviderStub();

  before(async () => {
    await stub.start();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
  });
  after(async () => {
    await t.close();
    await stub.close();
  });

  let ruleCount = 0;
  /** A named channel, a rule notifying it, a sample over its threshold, then one under it. */
  async function fireAndResolve(channel: Record<string, unknown>): Promise<void> {
    const created = await send(t.app, 'POST', '/api/alerts/channels', channel);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const metric = `channel_probe_${String(++ruleCount)}`;
    const rule = await send(t.app, 'POST', '/api/alerts/rules', {
      name: `Probe ${String(channel.type)}`,
      metricName: metric,
      condition: '>',
      threshold: 1,
      severity: 'critical',
      annotations: {
        summary: 'value {{value}} on {{labels.service}}',
        description: 'Über "quotes" & <tags>',
      },
      notificationChannels: [{ channel: channel.name }],
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
    for (const value of [5, 0]) {
      const pushed = await send(t.app, 'POST', '/api/metrics/custom', {
        name: metric,
        type: 'gauge',
        value,
        labels: { service: 'booking' },
      });
      assert.equal(pushed.status, 200);
      await t.services.alerting.engine.settled();
    }
  }

  it('Telegram: sendMessage with the bot token in the path and the chat id', async () => {
    await fireAndResolve({
      name: 'tg',
      type: 'telegram',
      secret: '123456:ABC-DEF1234ghIkl',
      settings: { chatId: '-1001234567890', threadId: '7', apiUrl: `${stub.base}/telegram` },
    });
    const calls = await stub.waitFor((c) => c.path.startsWith('/telegram/'), 2);
    assert.equal(calls[0]!.path, '/telegram/bot123456:ABC-DEF1234ghIkl/sendMessage');
    assert.equal(calls[0]!.body.chat_id, '-1001234567890');
    assert.equal(calls[0]!.body.message_thread_id, 7);
    assert.match(String(calls[0]!.body.text), /^\[FIRING\] Probe telegram — value 5 on booking/);
    assert.match(String(calls[1]!.body.text), /^\[RESOLVED\]/);
  });

  it('PagerDuty: trigger then resolve with the alert id as dedup_key', async () => {
    await fireAndResolve({
      name: 'pd',
      type: 'pagerduty',
      secret: 'R0UT1NGKEY0123456789abcdefABCDEF',
      settings: { apiUrl: `${stub.base}/pagerduty` },
    });
    const [trigger, resolve] = await stub.waitFor((c) => c.path === '/pagerduty/v2/enqueue', 2);
    assert.equal(trigger!.body.event_action, 'trigger');
    assert.equal(trigger!.body.routing_key, 'R0UT1NGKEY0123456789abcdefABCDEF');
    const payload = trigger!.body.payload as Record<string, unknown>;
    assert.equal(payload.severity, 'critical');
    assert.equal(payload.component, 'booking');
    assert.equal(resolve!.body.event_action, 'resolve');
    assert.equal(resolve!.body.dedup_key, trigger!.body.dedup_key);
  });

  it('Opsgenie: create with the alert id as alias, close by alias, GenieKey auth', async () => {
    await fireAndResolve({
      name: 'og',
      type: 'opsgenie',
      secret: 'eb243592-faa2-4ba2-a551q-1afdf565c889',
      settings: { apiUrl: `${stub.base}/opsgenie`, responders: 'ops, sre' },
    });
    const [create] = await stub.waitFor((c) => c.path === '/opsgenie/v2/alerts');
    assert.equal(create!.headers.authorization, 'GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889');
    assert.equal(create!.body.priority, 'P1');
    assert.deepEqual(create!.body.responders, [
      { type: 'team', name: 'ops' },
      { type: 'team', name: 'sre' },
    ]);
    assert.ok(String(create!.body.message).length <= 130);
    const alias = String(create!.body.alias);
    const [close] = await stub.waitFor((c) => c.path.includes('/close'));
    assert.equal(close!.path, `/opsgenie/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`);
  });

  it('Microsoft Teams: one Adaptive Card attachment', async () => {
    await fireAndResolve({ name: 'teams', type: 'teams', destination: `${stub.base}/teams/workflow` });
    const [call] = await stub.waitFor((c) => c.path === '/teams/workflow');
    assert.equal(call!.body.type, 'message');
    const [attachment] = call!.body.attachments as {
      contentType: string;
      content: Record<string, unknown>;
    }[];
    assert.equal(attachment!.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(attachment!.content.type, 'AdaptiveCard');
    assert.equal(attachment!.content.version, '1.4');
  });

  it('ntfy: a JSON publish to the server root with topic, title, priority and bearer token', async () => {
    await fireAndResolve({
      name: 'ntfy',
      type: 'ntfy',
      destination: `${stub.base}/ntfy/alerts-prod`,
      secret: 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2',
    });
    const [call, resolved] = await stub.waitFor((c) => c.path === '/ntfy/', 2);
    assert.equal(call!.body.topic, 'alerts-prod');
    assert.equal(call!.body.priority, 5);
    assert.equal(call!.headers.authorization, 'Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2');
    assert.match(String(call!.body.title), /— value 5/); // non-ASCII titles travel in JSON
    assert.deepEqual(resolved!.body.tags, ['white_check_mark', 'critical']);
  });

  it('Pushover: token, user and high priority for critical alerts', async () => {
    await fireAndResolve({
      name: 'po',
      type: 'pushover',
      secret: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi',
      settings: { user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', apiUrl: `${stub.base}/pushover` },
    });
    const [call, resolved] = await stub.waitFor((c) => c.path === '/pushover/1/messages.json', 2);
    assert.equal(call!.body.token, 'azGDORePK8gMaC0QOYAMyEEuzJnyUi');
    assert.equal(call!.body.user, 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG');
    assert.equal(call!.body.priority, 1);
    assert.equal(resolved!.body.priority, 0);
  });

  it('Gotify: /message with X-Gotify-Key and a markdown body', async () => {
    await fireAndResolve({
      name: 'gotify',
      type: 'gotify',
      destination: `${stub.base}/gotify/`,
      secret: 'AbCdEf123456789',
    });
    const [call] = await stub.waitFor((c) => c.path === '/gotify/message');
    assert.equal(call!.headers['x-gotify-key'], 'AbCdEf123456789');
    assert.equal(call!.body.priority, 8);
  });

  it('Matrix: PUT with a transaction id from the idempotency key, the same on a retry', async () => {
    stub.failNext('/matrix/', 500, { errcode: 'M_UNKNOWN', error: 'try again' });
    await fireAndResolve({
      name: 'matrix',
      type: 'matrix',
      destination: `${stub.base}/matrix`,
      secret: 'syt_bWV0cmljcw_abcdefghijklmnop_0A1b2C',
      settings: { roomId: '!ops:example.org' },
    });
    const calls = await stub.waitFor((c) => c.path.startsWith('/matrix/'), 2);
    const prefix = `/matrix/_matrix/client/v3/rooms/${encodeURIComponent('!ops:example.org')}/send/m.room.message/`;
    assert.ok(
      calls.every((c) => c.method === 'PUT' && c.path.startsWith(prefix)),
      JSON.stringify(calls.map((c) => c.path)),
    );
    assert.equal(calls[0]!.headers.authorization, 'Bearer syt_bWV0cmljcw_abcdefghijklmnop_0A1b2C');
    assert.match(String(calls[0]!.body.formatted_body), /&#60;tags&#62;/); // escaped HTML
    assert.notEqual(calls[0]!.path, calls[1]!.path); // firing and resolved are two transactions
    // The refused firing message is retried (after the resolution went through) as the same transaction.
    assert.ok(
      calls.some((c) => c.path === stub.failedPaths.at(-1)),
      JSON.stringify(stub.failedPaths),
    );
  });

  it('Mattermost and Google Chat: webhook messages, Google Chat threaded per alert', async () => {
    await fireAndResolve({
      name: 'mm',
      type: 'mattermost',
      destination: `${stub.base}/mattermost/hooks/xyz`,
      settings: { channel: 'town-square', username: 'metrics' },
    });
    const [mm] = await stub.waitFor((c) => c.path === '/mattermost/hooks/xyz');
    assert.equal(mm!.body.channel, 'town-square');
    assert.equal((mm!.body.attachments as unknown[]).length, 1);

    await fireAndResolve({
      name: 'gchat',
      type: 'google-chat',
      destination: `${stub.base}/chat/v1/spaces/AAA/messages?key=k&token=t`,
    });
    const [first, second] = await stub.waitFor((c) => c.path.startsWith('/chat/'), 2);
    assert.match(first!.path, /messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD/);
    assert.match(first!.path, /key=k&token=t/);
    assert.deepEqual(first!.body.thread, second!.body.thread);
  });

  it('template: method, headers with the secret, a JSON body with escaped values', async () => {
    await fireAndResolve({
      name: 'tpl',
      type: 'template',
      destination: `${stub.base}/custom/events`,
      secret: 's3cr3t-token',
      settings: {
        method: 'PUT',
        'header.Authorization': 'Bearer {{secret}}',
        'header.X-Event': '{{event}}',
        body: '{"title":"{{rule}}","text":"{{description}}","service":"{{labels.service}}","value":"{{value}}"}',
      },
    });
    const [call, resolved] = await stub.waitFor((c) => c.path === '/custom/events', 2);
    assert.equal(call!.method, 'PUT');
    assert.equal(call!.headers.authorization, 'Bearer s3cr3t-token');
    assert.equal(call!.headers['x-event'], 'firing');
    assert.deepEqual(call!.body, {
      title: 'Probe template',
      text: 'Über "quotes" & <tags>',
      service: 'booking',
      value: '5',
    });
    assert.equal(resolved!.headers['x-event'], 'resolved');
  });

  it('refuses channels whose settings or secret do not fit their type, naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x1', type: 'telegram', secret: 'token' }, 'settings.chatId'],
      [{ name: 'x2', type: 'telegram', settings: { chatId: '1' } }, 'secret'],
      [
        { name: 'x3', type: 'pushover', secret: 'a', settings: { user: 'u', color: 'red' } },
        'settings.color',
      ],
      [
        { name: 'x4', type: 'template', destination: `${stub.base}/x`, settings: { body: '{"a": {{value}' } },
        'destination',
      ],
      [
        {
          name: 'x5',
          type: 'template',
          destination: `${stub.base}/x`,
          settings: { body: '{}', method: 'GET' },
        },
        'settings.method',
      ],
      [{ name: 'x6', type: 'webhook', destination: `${stub.base}/x`, secret: 'short' }, 'destination'],
      [
        {
          name: 'x7',
          type: 'matrix',
          destination: `${stub.base}/m`,
          secret: 't',
          settings: { roomId: 'ops' },
        },
        'destination',
      ],
      [{ name: 'x8', type: 'ntfy', destination: `${stub.base}/` }, 'destination'],
    ];
    for (const [body, field] of cases) {
      const r = await send<{ code: string; field: string }>(t.app, 'POST', '/api/alerts/channels', body);
      assert.equal(r.status, 422, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'invalid_channel');
      assert.equal(r.body.field, field, JSON.stringify(r.body));
    }
  });

  it('never shows a secret back, shows the settings', async () => {
    const r = await send<{ hasSecret: boolean; settings: Record<string, string> }>(
      t.app,
      'GET',
      '/api/alerts/channels/tg',
    );
    assert.equal(r.body.hasSecret, true);
    assert.equal(r.body.settings.chatId, '-1001234567890');
    assert.doesNotMatch(JSON.stringify(r.body), /ABC-DEF/);
  });

  it('two channels of one type on one API are two deliveries, each once', async () => {
    const before = stub.calls.filter((c) => c.path.startsWith('/telegram/')).length;
    for (const chatId of ['111', '222'])
      assert.equal(
        (
          await send(t.app, 'POST', '/api/alerts/channels', {
            name: `tg-${chatId}`,
            type: 'telegram',
            secret: '42:XYZ',
            settings: { chatId, apiUrl: `${stub.base}/telegram` },
          })
        ).status,
        201,
      );
    const rule = await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Two chats',
      metricName: 'two_chats',
      condition: '>',
      threshold: 1,
      severity: 'warning',
      notificationChannels: [{ channel: 'tg-111' }, { channel: 'tg-222' }],
    });
    assert.equal(rule.status, 201);
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'two_chats', type: 'gauge', value: 3 });
    await t.services.alerting.engine.settled();
    const calls = await stub.waitFor((c) => c.path === '/telegram/bot42:XYZ/sendMessage', 2);
    assert.deepEqual(calls.map((c) => c.body.chat_id).sort(), ['111', '222']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(stub.calls.filter((c) => c.path.startsWith('/telegram/')).length, before + 2);
  });
});

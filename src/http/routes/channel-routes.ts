import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NamedChannel } from '../../alerting/channel-book.js';
import type { Alerting } from '../../alerting/create-alerting.js';
import { DomainError } from '../../domain/errors.js';
import { CHANNEL_TYPES } from '../../notify/channels/channel.js';
import { errorResponses } from '../problem.js';

const tags = ['alerts'];
const NameParams = Type.Object({ name: Type.String({ maxLength: 128 }) });
const ChannelBody = {
  type: Type.Union(
    CHANNEL_TYPES.map((type) => Type.Literal(type)),
    { description: 'How the channel delivers (README, Notification channels).' },
  ),
  destination: Type.Optional(
    Type.String({ maxLength: 2048, description: 'URL, #channel or addresses, as the type takes it.' }),
  ),
  secret: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        "The type's credential (write-only): webhook HMAC secret (16+ characters), bot or API token, routing key.",
    }),
  ),
  settings: Type.Optional(
    Type.Record(
      Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_.*!#$%&'+^`|~-]{0,127}$" }),
      Type.String({ maxLength: 8192 }),
      {
        maxProperties: 32,
        description: "The type's other options (chatId, roomId, user, body template, header.<Name>…).",
        examples: [{ chatId: '-1001234567890' }],
      },
    ),
  ),
};
const ChannelInput = Type.Object(
  { name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' }), ...ChannelBody },
  { additionalProperties: false },
);
const ChannelSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  destination: Type.Union([Type.String(), Type.Null()]),
  hasSecret: Type.Boolean({ description: 'Secrets are never shown back.' }),
  settings: Type.Record(Type.String(), Type.String()),
  usedBy: Type.Array(Type.String(), { description: 'Ids of the rules that notify this channel.' }),
});

/** Named notification channels: configured once, referenced from rules as `{ "channel": "<name>" }`. */
export function channelRoutes(alerting: Alerting): FastifyPluginAsyncTypebox {
  const { channels, rules } = alerting;
  const view = (c: NamedChannel) => ({
    name: c.name,
    type: c.type,
    destination: c.destination ?? null,
    hasSecret: c.secret !== undefined,
    settings: { ...c.settings },
    usedBy: rules.usersOf(c.name),
  });
  return (app) => {
    app.get(
      '/api/alerts/channels',
      {
        schema: {
          tags,
          summary: 'Named notification channels',
          response: { 200: Type.Object({ channels: Type.Array(ChannelSchema) }), ...errorResponses() },
        },
      },
      () => ({ channels: channels.list().map(view) }),
    );
    app.get(
      '/api/alerts/channels/:name',
      {
        schema: {
          tags,
          summary: 'One channel',
          params: NameParams,
          response: { 200: ChannelSchema, ...errorResponses(404) },
        },
      },
      (request) => view(channels.get(request.params.name)),
    );
    app.post(
      '/api/alerts/channels',
      {
        schema: {
          tags,
          summary: 'Create a named channel',
          body: ChannelInput,
          response: { 201: ChannelSchema, ...errorResponses(409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        if (channels.find(request.body.name) !== undefined)
          throw new DomainError(
            'invalid_channel',
            409,
            `a channel named "${request.body.name}" exists; PUT changes it`,
            'name',
          );
        const saved = await channels.save(request.body);
        void reply.code(201).header('location', `/api/alerts/channels/${saved.name}`);
        return view(saved);
      },
    );
    app.put(
      '/api/alerts/channels/:name',
      {
        schema: {
          tags,
          summary: 'Create or replace a named channel',
          params: NameParams,
          body: Type.Object(ChannelBody, { additionalProperties: false }),
          response: { 200: ChannelSchema, ...errorResponses(413, 415, 422) },
        },
      },
      async (request) => view(await channels.save({ ...request.body, name: request.params.name })),
    );
    app.delete(
      '/api/alerts/channels/:name',
      {
        schema: {
          tags,
          summary: 'Delete a channel no rule uses',
          params: NameParams,
          response: { 204: Type.Null(), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        await channels.remove(request.params.name, rules.usersOf(request.params.name));
        return reply.code(204).send(null);
      },
    );
    return Promise.resolve();
  };
}

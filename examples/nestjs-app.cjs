// A NestJS backend (Express platform) with /metrics through MetricsModule (CommonJS, plain JavaScript:
// the decorators are applied as calls, as a compiled TypeScript app would).
//   PORT=4003 node examples/nestjs-app.cjs
require('reflect-metadata');
const { Controller, Get, Module, Param } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { MetricsModule } = require('@metrics-service/client/nestjs');

class EventsController {
  event(id) {
    return { id, name: 'concert' };
  }
}
Param('id')(EventsController.prototype, 'event', 0);
Get(':id')(
  EventsController.prototype,
  'event',
  Object.getOwnPropertyDescriptor(EventsController.prototype, 'event'),
);
Controller('events')(EventsController);

// eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a Nest module is a class carrying metadata
class AppModule {}
Module({ imports: [MetricsModule.forRoot({ prefix: 'events_' })], controllers: [EventsController] })(
  AppModule,
);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  app.enableShutdownHooks();
  await app.listen(Number(process.env.PORT ?? 4003), '127.0.0.1');
  console.log(`listening ${app.getHttpServer().address().port}`);
}
void main();

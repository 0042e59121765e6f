import type { Server } from 'node:http';

/**
 * `Expect: 100-continue` (curl sends it for bodies over 1 MiB): a body the service would refuse for its
 * size is refused before it is sent. Without a listener Node answers 100 Continue to every such request,
 * and the client uploads the whole body only to be told 413; here the 100 is withheld when Content-Length
 * is over BODY_LIMIT_BYTES, and the request goes on to the routes, which answer the 413 problem at once.
 */
export function refuseOversizedBeforeUpload(server: Server, bodyLimitBytes: number): void {
  server.on('checkContinue', (request, response) => {
    const length = Number(request.headers['content-length']);
    if (!(length > bodyLimitBytes)) response.writeContinue();
    server.emit('request', request, response);
  });
}

import type { FastifyInstance } from 'fastify';

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  body: T;
}

/** inject() with a JSON body, answering the parsed JSON body. */
export async function send<T = Record<string, unknown>>(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<JsonResponse<T>> {
  const response = await app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return {
    status: response.statusCode,
    contentType: String(response.headers['content-type'] ?? ''),
    body: (response.body === '' ? {} : JSON.parse(response.body)) as T,
  };
}

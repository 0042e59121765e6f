import type { Page, Route } from 'playwright-core';
import { until } from './until.js';

/**
 * Makes a race happen every time instead of on a slow host: the real answers to the requests matching
 * `url` are fetched from the service when the page asks, and handed to the page only on `release()`, so
 * a later request's answer arrives first. The first `limit` matching requests are held, later ones pass.
 */
export interface HeldAnswers {
  /** How many requests are held so far, their answers fetched (the state they show is fixed). */
  readonly count: () => number;
  /** Delivers the held answers (in the order asked) and waits until the page has read them all. */
  release: () => Promise<void>;
}

export async function holdAnswers(page: Page, url: RegExp, limit = Infinity): Promise<HeldAnswers> {
  const held: Route[] = [];
  let finished = 0;
  let answered = 0;
  let releasing = false;
  const deliveries: (() => Promise<void>)[] = [];
  page.on('requestfinished', (request) => {
    if (url.test(request.url()) && held.some((r) => r.request() === request)) finished++;
  });
  await page.route(url, async (route) => {
    if (releasing || held.length >= limit) {
      await route.continue();
      return;
    }
    held.push(route);
    const answer = route.fetch(); // the service's answer now, not at release
    deliveries.push(async () => route.fulfill({ response: await answer }));
    await answer;
    answered++;
  });
  return {
    count: () => answered,
    release: async () => {
      releasing = true;
      for (const deliver of deliveries) await deliver();
      await until(
        () => finished,
        (n) => n >= held.length,
        'the held answers reach the page',
      );
      // The page renders an answer a few tasks after reading it: let those run before anything is read.
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    },
  };
}

import type { BrowserEnvironment, ResponseLike } from './BrowserEnvironment.js';

/**
 * POSTs JSON as text/plain: a CORS-safelisted request, so the browser sends no preflight
 * (the server parses text/plain bodies as JSON and reads the write key from the body).
 * Aborted after `timeoutMs`, so that a hung connection cannot hold events forever.
 */
export function postText(env: BrowserEnvironment, url: string, body: string, options: { keepalive: boolean; timeoutMs: number }): Promise<ResponseLike> {
  const controller = env.abortable();
  const timer = controller === null ? null : env.scheduler.setTimeout(() => controller.abort(), options.timeoutMs);
  const request = env.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body,
    credentials: 'omit',
    ...(options.keepalive ? { keepalive: true } : {}),
    ...(controller === null ? {} : { signal: controller.signal }),
  });
  return request.finally(() => {
    if (timer !== null) env.scheduler.clearTimeout(timer);
  });
}

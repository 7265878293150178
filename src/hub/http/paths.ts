/** Where workers link and observers listen, on the hub's own port. */
export const LINK_PATH = '/link';
export const EVENTS_PATH = '/api/events';

/** The worker link URL for a hub reached at `httpUrl`. */
export function linkUrlOf(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = LINK_PATH;
  return url.toString();
}

// The playground's routes, mounted by app.ts unless PLAYGROUND=false: the page at GET /, its script,
// stylesheet and icon, and the live drift view's JSON. Every answer is prepared at startup except the
// drift view, which is O(signals × bins) (drift-view.ts); none reads a request body. The page's
// predictions go to the ordinary POST /predict, so they are counted, limited and refused like any
// client's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecentTraffic } from '../recent-traffic';
import type { ServedModel } from '../served-model';
import { baselinesFromMetadata, driftView } from './drift-view';
import { ICON, PageLimits, STYLE, renderPage } from './page';

/**
 * Same-origin everything, no inline script or style, no framing, no form posts, no plugins: the page
 * can reach only this server, and an injected string could not run even if one slipped through.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The shape app.ts routes: a route template (the `route` label), a method and a handler. */
export interface PlaygroundRoute {
  route: string;
  method: 'GET';
  handler(): { status: number; body: string; contentType: string; headers: Record<string, string> };
}

export interface PlaygroundDeps {
  model: ServedModel;
  limits: PageLimits;
  recent: RecentTraffic;
}

/** browser/app.ts as tsc emitted it beside this module. */
export const SCRIPT_PATH = join(__dirname, 'browser', 'app.js');

export function playgroundRoutes({ model, limits, recent }: PlaygroundDeps): PlaygroundRoute[] {
  const fixed = (route: string, contentType: string, body: string): PlaygroundRoute => {
    const reply = {
      status: 200,
      body,
      contentType,
      // small, and replaced with the server: revalidate rather than keep a stale page after a rollout
      headers: { ...SECURITY_HEADERS, 'cache-control': 'no-cache' },
    };
    return { route, method: 'GET', handler: () => reply };
  };
  const script = readFileSync(SCRIPT_PATH, 'utf8');
  const baselines = baselinesFromMetadata(model.metadata.baselines);
  return [
    fixed('/', 'text/html; charset=utf-8', renderPage(model, limits)),
    fixed('/playground/app.js', 'text/javascript; charset=utf-8', script),
    fixed('/playground/style.css', 'text/css; charset=utf-8', STYLE),
    fixed('/playground/icon.svg', 'image/svg+xml', ICON),
    {
      route: '/playground/drift',
      method: 'GET',
      handler: () => ({
        status: 200,
        body: JSON.stringify(driftView(recent, baselines)),
        contentType: 'application/json; charset=utf-8',
        headers: { ...SECURITY_HEADERS, 'cache-control': 'no-store' },
      }),
    },
  ];
}

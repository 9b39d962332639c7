import type { Express } from 'express';

/** One route of the app, as "METHOD path" (the key of the security tests' tables). */
export interface RouteInfo {
  method: string;
  path: string;
  key: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  /** router 2.x: true when mounted with app.use(router), without a path prefix. */
  slash?: boolean;
}

/**
 * Every route of the real app, read from the Express 5 router stack, nested routers included.
 * The app mounts its routers at the root; a router mounted under a prefix would make the
 * paths below wrong, so it is refused rather than guessed.
 */
export function listRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: Layer[], depth: number) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) {
          for (const [m, on] of Object.entries(layer.route.methods)) {
            if (!on) continue;
            const method = m === '_all' ? 'ALL' : m.toUpperCase();
            out.push({ method, path: p, key: `${method} ${p}` });
          }
        }
      } else if (layer.handle?.stack) {
        if (depth > 0 || layer.slash === false) {
          throw new Error('a router is mounted under a path prefix: listRoutes cannot name its routes');
        }
        walk(layer.handle.stack, depth + 1);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, 0);
  return out;
}

/** The state-changing routes: every method but GET, HEAD and OPTIONS. */
export function stateChangingRoutes(app: Express): RouteInfo[] {
  return listRoutes(app).filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
}

/** A route path with its :params replaced by real values; a missing value is an error, never a guess. */
export function fillPath(routePath: string, params: Record<string, string | number>): string {
  return routePath.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => {
    if (!(name in params)) throw new Error(`no value for :${name} in ${routePath}`);
    return encodeURIComponent(String(params[name]));
  });
}

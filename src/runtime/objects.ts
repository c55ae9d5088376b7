// Object helpers for paths that run per request, per event or per delivery.

/**
 * `{ ...base, ...extra }` (extra's values win), for hot paths. On Node 20's V8, an object literal
 * that adds properties after a leading spread (`{ ...base, key }`) gets a hidden class of its own
 * every time it is made: it is about twice as slow, and scavenges keep those classes alive, so young
 * objects are promoted to the old generation. Object.assign onto a fresh `{}` shares classes.
 * test/edge.gc.test.ts catches a request path that promotes.
 */
export function extend<Base extends object, Extra extends object>(base: Base, extra: Extra): Base & Extra {
  return Object.assign({}, base, extra);
}

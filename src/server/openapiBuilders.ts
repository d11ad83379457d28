/**
 * The OpenAPI builders (tool catalogs with their ajv validators, the documents) are loaded on first need, not
 * at start-up: with ajv's 2019-09 and 2020-12 classes they take about 40 ms to load, which delayed spawning the
 * servers. run.ts preloads them once the servers are started, so they load while the servers boot; a request
 * that needs them sooner waits for them (whenOpenApiReady).
 */
import type { buildCatalog } from '../openapi/catalog.js';
import type { buildRootDocument, buildServerDocument } from '../openapi/document.js';

export interface OpenApiBuilders {
  buildCatalog: typeof buildCatalog;
  buildRootDocument: typeof buildRootDocument;
  buildServerDocument: typeof buildServerDocument;
}

let loaded: OpenApiBuilders | undefined;
let loading: Promise<OpenApiBuilders> | undefined;

/** Loads the builders, once; a failed load is reported to every caller (the request fails with 500). */
export function loadOpenApiBuilders(): Promise<OpenApiBuilders> {
  loading ??= Promise.all([import('../openapi/catalog.js'), import('../openapi/document.js')]).then(([catalog, document]) => {
    loaded = {
      buildCatalog: catalog.buildCatalog,
      buildRootDocument: document.buildRootDocument,
      buildServerDocument: document.buildServerDocument,
    };
    return loaded;
  });
  return loading;
}

/** Undefined once the builders are loaded (so the hot path does not await), else the promise of their loading. */
export function whenOpenApiReady(): Promise<OpenApiBuilders> | undefined {
  return loaded ? undefined : loadOpenApiBuilders();
}

/** The loaded builders. Throws if called before whenOpenApiReady() settled: a missing await, not a user error. */
export function openApiBuilders(): OpenApiBuilders {
  if (!loaded) throw new Error('OpenAPI builders used before they were loaded (await whenOpenApiReady() first)');
  return loaded;
}

/**
 * For run.ts, once the servers are started: loads the builders and warms up validation (warmUpValidation) while
 * the servers boot, so neither delays the first catalog. Failures are left to the requests that need them.
 */
export function preloadOpenApiBuilders(): void {
  loadOpenApiBuilders()
    .then(() => import('../openapi/validate.js'))
    .then(
      // After the current event: whatever I/O arrived meanwhile goes first.
      ({ warmUpValidation }) =>
        setImmediate(() => {
          try {
            warmUpValidation();
          } catch {
            // Only a warm-up: the first catalog compiles (and reports) for real.
          }
        }),
      () => {},
    );
}

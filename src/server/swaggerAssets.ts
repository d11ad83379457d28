/**
 * Swagger UI's static files, served from the installed swagger-ui-dist package so /docs works with no
 * internet access. Files are read on first request and kept in memory; the set is fixed (no path is
 * ever taken from the URL to the filesystem).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DOCS_INITIALIZER_JS, DOCS_INITIALIZER_NAME } from './docsPage.js';

/** Served file name → content type. */
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

export interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly contentType: string;
  readonly etag: string;
}

/** Directory of the installed swagger-ui-dist package (resolved without loading its 1.5 MB bundle). */
export function swaggerUiDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

function asset(body: Uint8Array<ArrayBuffer>, contentType: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, contentType, etag };
}

/** The fixed set of docs assets, loaded on first use and kept in memory with ETags. */
export class SwaggerAssets {
  private readonly loaded = new Map<string, Asset>();

  /** `dir` defaults to the installed swagger-ui-dist. */
  constructor(private readonly dir: string = swaggerUiDistDir()) {}

  /** The asset called `name`, or undefined when it is not one we serve. */
  get(name: string): Asset | undefined {
    const cached = this.loaded.get(name);
    if (cached) return cached;
    let entry: Asset | undefined;
    if (name === DOCS_INITIALIZER_NAME) {
      entry = asset(new TextEncoder().encode(DOCS_INITIALIZER_JS), 'text/javascript; charset=utf-8');
    } else if (Object.hasOwn(ASSET_TYPES, name)) {
      entry = asset(new Uint8Array(readFileSync(join(this.dir, name))), ASSET_TYPES[name]!);
    }
    if (entry) this.loaded.set(name, entry);
    return entry;
  }
}
